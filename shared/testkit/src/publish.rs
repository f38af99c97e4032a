//! Publishing events on a test's exchange the way a service's outbox relay does (the envelope's
//! type as the routing key, publisher confirms awaited), so a consumer under test meets them as
//! it meets the mesh's.

use lapin::{
    BasicProperties, Connection, ConnectionProperties,
    options::{BasicPublishOptions, ConfirmSelectOptions},
};
use prost::Message;
use qashyq_platform::config::CommonConfig;
use qashyq_proto::events::v1::EventEnvelope;

/// Confirms awaited together: publishing does not wait for each one in turn.
const CONFIRMS_IN_FLIGHT: usize = 1_000;

/// Publishes `envelopes` on `config`'s exchange, in order, and returns once the broker has
/// confirmed every one (without confirms, closing the connection right after publishing can
/// lose the last messages).
pub async fn publish_envelopes(config: &CommonConfig, envelopes: &[EventEnvelope]) -> anyhow::Result<()> {
    let connection = Connection::connect(config.amqp_url(), ConnectionProperties::default()).await?;
    let channel = connection.create_channel().await?;
    channel.confirm_select(ConfirmSelectOptions::default()).await?;
    let mut pending = Vec::with_capacity(CONFIRMS_IN_FLIGHT);
    for envelope in envelopes {
        let confirm = channel
            .basic_publish(
                config.events_exchange.as_str().into(),
                envelope.event_type.as_str().into(),
                BasicPublishOptions::default(),
                &envelope.encode_to_vec(),
                BasicProperties::default(),
            )
            .await?;
        pending.push(confirm);
        if pending.len() == CONFIRMS_IN_FLIGHT {
            for confirm in pending.drain(..) {
                anyhow::ensure!(confirm.await?.is_ack(), "the broker refused an event");
            }
        }
    }
    for confirm in pending {
        anyhow::ensure!(confirm.await?.is_ack(), "the broker refused an event");
    }
    connection.close(0, "published".into()).await.ok();
    Ok(())
}
