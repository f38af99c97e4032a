//! Publishing events on a test's exchange the way a service's outbox relay does (the envelope's
//! type as the routing key, publisher confirms awaited), so a consumer under test meets them as
//! it meets the mesh's.

use lapin::{BasicProperties, Connection, ConnectionProperties, options::BasicPublishOptions};
use prost::Message;
use qashyq_platform::config::CommonConfig;
use qashyq_proto::events::v1::EventEnvelope;

/// Publishes `envelopes` on `config`'s exchange, in order, each confirmed by the broker.
pub async fn publish_envelopes(config: &CommonConfig, envelopes: &[EventEnvelope]) -> anyhow::Result<()> {
    let connection = Connection::connect(config.amqp_url(), ConnectionProperties::default()).await?;
    let channel = connection.create_channel().await?;
    for envelope in envelopes {
        channel
            .basic_publish(
                config.events_exchange.as_str().into(),
                envelope.event_type.as_str().into(),
                BasicPublishOptions::default(),
                &envelope.encode_to_vec(),
                BasicProperties::default(),
            )
            .await?
            .await?;
    }
    connection.close(0, "published".into()).await.ok();
    Ok(())
}
