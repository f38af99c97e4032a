//! Per-service health through the gateway (R-GW-5): `grpc.health.v1.Health/Check` (and `Watch`)
//! with a public service's name (`qashyq.schedule.v1.TimetableService`) answers what the service
//! that owns it reports. The gateway watches each upstream's health for every service of its
//! packages and mirrors the statuses into its own health reporter, so health stays answered by
//! the gateway itself (no key needed, like before) and an upstream that cannot be reached reads
//! `NOT_SERVING` rather than an unknown name.

use std::time::Duration;

use futures::StreamExt;
use prost::Message;
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;
use tonic_health::{
    ServingStatus,
    pb::{HealthCheckRequest, health_check_response, health_client::HealthClient},
    server::HealthReporter,
};

/// How long to wait before watching an upstream again after its stream ended or failed.
const REWATCH_AFTER: Duration = Duration::from_secs(1);

/// The fully-qualified gRPC services of `package` found in the encoded descriptor set.
pub fn services_of(package: &str, descriptor_set: &[u8]) -> Vec<String> {
    let Ok(set) = prost_types::FileDescriptorSet::decode(descriptor_set) else {
        return Vec::new();
    };
    set.file
        .iter()
        .filter(|file| file.package() == package)
        .flat_map(|file| file.service.iter().map(move |service| format!("{package}.{}", service.name())))
        .collect()
}

/// Mirrors the health of `services`, served by `channel`'s upstream, into `reporter` until
/// `shutdown`. Every service starts `NOT_SERVING` and returns to it whenever the upstream is lost.
pub async fn mirror(reporter: HealthReporter, channel: Channel, services: Vec<String>, shutdown: CancellationToken) {
    for service in &services {
        reporter.set_service_status(service, ServingStatus::NotServing).await;
    }
    let watches = services.into_iter().map(|service| watch(reporter.clone(), channel.clone(), service, shutdown.clone()));
    futures::future::join_all(watches).await;
}

async fn watch(reporter: HealthReporter, channel: Channel, service: String, shutdown: CancellationToken) {
    let mut client = HealthClient::new(channel);
    loop {
        let stream = tokio::select! {
            () = shutdown.cancelled() => return,
            response = client.watch(HealthCheckRequest { service: service.clone() }) => response,
        };
        if let Ok(stream) = stream {
            let mut stream = stream.into_inner();
            loop {
                let next = tokio::select! {
                    () = shutdown.cancelled() => return,
                    next = stream.next() => next,
                };
                match next {
                    Some(Ok(update)) => reporter.set_service_status(&service, serving_status(update.status)).await,
                    Some(Err(_)) | None => break,
                }
            }
        }
        reporter.set_service_status(&service, ServingStatus::NotServing).await;
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(REWATCH_AFTER) => {}
        }
    }
}

fn serving_status(raw: i32) -> ServingStatus {
    match health_check_response::ServingStatus::try_from(raw) {
        Ok(health_check_response::ServingStatus::Serving) => ServingStatus::Serving,
        Ok(health_check_response::ServingStatus::NotServing | health_check_response::ServingStatus::ServiceUnknown) | Err(_) => ServingStatus::NotServing,
        Ok(health_check_response::ServingStatus::Unknown) => ServingStatus::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::services_of;

    #[test]
    fn finds_the_services_of_a_package() {
        let services = services_of("qashyq.schedule.v1", qashyq_proto::FILE_DESCRIPTOR_SET);
        assert!(services.contains(&"qashyq.schedule.v1.TimetableService".to_owned()), "{services:?}");
        assert!(services.contains(&"qashyq.schedule.v1.DirectoryService".to_owned()), "{services:?}");
        assert!(services.iter().all(|s| s.starts_with("qashyq.schedule.v1.")));
        assert!(services_of("qashyq.nothing.v1", qashyq_proto::FILE_DESCRIPTOR_SET).is_empty());
    }
}
