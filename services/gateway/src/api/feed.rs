//! `qashyq.gateway.v1.FeedService`: an integrator follows every event about its schools from a
//! cursor (R-GW-4); see [`crate::feed`] for how the feed is kept.

use std::{pin::Pin, time::Duration};

use futures::Stream;
use qashyq_platform::{
    ApiError,
    principal::{Caller, PrincipalKey},
};
use qashyq_proto::gateway::v1::{self as pb, feed_service_server::FeedService};
use tokio::sync::{mpsc, watch};
use tonic::{Request, Response, Status};

use crate::feed::FeedStore;

/// Events sent per read of the feed.
const BATCH: i64 = 500;
/// Items a slow subscriber may have waiting before the gateway stops reading for it.
const BUFFER: usize = 256;

pub struct FeedApi {
    store: FeedStore,
    newest: watch::Receiver<i64>,
    heartbeat: Duration,
    principals: PrincipalKey,
}

impl FeedApi {
    pub fn new(store: FeedStore, newest: watch::Receiver<i64>, heartbeat: Duration, principals: PrincipalKey) -> Self {
        Self { store, newest, heartbeat, principals }
    }
}

fn item(item: pb::feed_item::Item) -> pb::FeedItem {
    pb::FeedItem { item: Some(item) }
}

#[tonic::async_trait]
impl FeedService for FeedApi {
    type SubscribeStream = Pin<Box<dyn Stream<Item = Result<pb::FeedItem, Status>> + Send>>;

    async fn subscribe(&self, request: Request<pb::SubscribeRequest>) -> Result<Response<Self::SubscribeStream>, Status> {
        let principal = match self.principals.caller(request.metadata())? {
            Caller::Principal(principal) => Some(principal),
            Caller::Mesh => None,
        };
        let after = request.get_ref().after_cursor;
        if after < 0 {
            return Err(ApiError::invalid("after_cursor", "must not be negative (0: from the oldest event kept)").into());
        }
        let horizon = self.store.horizon().await.map_err(ApiError::from)?;
        if after > horizon.last_cursor {
            return Err(ApiError::invalid("after_cursor", format!("{after} is beyond the newest cursor {}", horizon.last_cursor)).into());
        }
        if after != 0 && after + 1 < horizon.retained_from {
            let status = Status::out_of_range(format!(
                "cursor {after} is older than the retention: the oldest event kept has cursor {}; read a snapshot, then subscribe after {}",
                horizon.retained_from,
                horizon.retained_from - 1
            ));
            return Err(status);
        }
        let (sender, receiver) = mpsc::channel(BUFFER);
        let (store, mut newest, heartbeat) = (self.store.clone(), self.newest.clone(), self.heartbeat);
        let start = if after == 0 { horizon.retained_from - 1 } else { after };
        tokio::spawn(async move {
            let mut cursor = start;
            let mut quiet_until = tokio::time::Instant::now() + heartbeat;
            loop {
                // What the feed holds now; read in batches up to it. A subscriber that fell behind
                // the retention while reading is told so, not silently skipped ahead.
                let up_to = match store.horizon().await {
                    Ok(horizon) if cursor + 1 < horizon.retained_from => {
                        let _ = sender
                            .send(Err(Status::out_of_range(format!("the feed's oldest event kept is now cursor {}; read a snapshot", horizon.retained_from))))
                            .await;
                        return;
                    }
                    Ok(horizon) => horizon.last_cursor,
                    Err(error) => {
                        tracing::warn!(%error, "the feed cannot be read");
                        let _ = sender.send(Err(Status::unavailable("the feed cannot be read now; resume from your last cursor"))).await;
                        return;
                    }
                };
                while cursor < up_to {
                    let rows = match store.after(principal.as_deref(), cursor, up_to, BATCH).await {
                        Ok(rows) => rows,
                        Err(error) => {
                            tracing::warn!(%error, "the feed cannot be read");
                            let _ = sender.send(Err(Status::unavailable("the feed cannot be read now; resume from your last cursor"))).await;
                            return;
                        }
                    };
                    let full = rows.len() as i64 == BATCH;
                    for row in rows {
                        cursor = row.cursor;
                        if sender.send(Ok(item(pb::feed_item::Item::Event(pb::FeedEvent { cursor: row.cursor, event: Some(row.envelope) })))).await.is_err() {
                            return;
                        }
                        quiet_until = tokio::time::Instant::now() + heartbeat;
                    }
                    if !full {
                        // Everything up to `up_to` was considered, events of other schools too.
                        cursor = up_to;
                    }
                }
                // Nothing sent for a heartbeat's time (nothing new, or nothing of this subscriber's):
                // say how far the feed has been considered.
                if tokio::time::Instant::now() >= quiet_until {
                    if sender.send(Ok(item(pb::feed_item::Item::Heartbeat(pb::Heartbeat { cursor })))).await.is_err() {
                        return;
                    }
                    quiet_until = tokio::time::Instant::now() + heartbeat;
                }
                tokio::select! {
                    changed = newest.changed() => if changed.is_err() { return },
                    _ = tokio::time::sleep_until(quiet_until) => {}
                    _ = sender.closed() => return,
                }
            }
        });
        Ok(Response::new(Box::pin(tokio_stream::wrappers::ReceiverStream::new(receiver))))
    }
}
