//! Building and opening [`EventEnvelope`]s.

use prost::Name;

use qashyq_proto::events::v1::{EventEnvelope, TraceContext};
use uuid::Uuid;

use crate::trace_context;

/// Payload schema version written by this build; raised only on an incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// Wraps `payload` in an envelope stamped with a new UUIDv7, the time, the producer and the
/// current trace context.
pub fn new_envelope<M: Name>(producer: &str, subject_id: &str, payload: &M) -> EventEnvelope {
    let trace = trace_context::current_as_map();
    EventEnvelope {
        event_id: Uuid::now_v7().to_string(),
        event_type: M::full_name(),
        occurred_at: Some(crate::time::to_timestamp(crate::clock::now())),
        producer: producer.to_owned(),
        trace_context: Some(TraceContext {
            traceparent: trace.get("traceparent").cloned().unwrap_or_default(),
            tracestate: trace.get("tracestate").cloned().unwrap_or_default(),
        }),
        schema_version: SCHEMA_VERSION,
        payload: Some(prost_types::Any { type_url: M::type_url(), value: payload.encode_to_vec() }),
        subject_id: subject_id.to_owned(),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    #[error("event has no payload")]
    Missing,
    #[error("payload is {actual}, expected {expected}")]
    WrongType { expected: String, actual: String },
    #[error("payload does not decode: {0}")]
    Decode(#[from] prost::DecodeError),
}

/// Decodes the payload as `M`, checking its type URL first.
pub fn decode_payload<M: Name + Default>(envelope: &EventEnvelope) -> Result<M, PayloadError> {
    let any = envelope.payload.as_ref().ok_or(PayloadError::Missing)?;
    if any.type_url != M::type_url() {
        return Err(PayloadError::WrongType { expected: M::type_url(), actual: any.type_url.clone() });
    }
    Ok(M::decode(any.value.as_slice())?)
}

#[cfg(test)]
mod tests {
    use prost::Message;
    use qashyq_proto::schedule::events::v1::SchoolRegistered;

    use super::*;

    #[test]
    fn envelope_round_trips_its_payload() {
        let event = SchoolRegistered { name: "No. 1".into(), region_code: "KZ-ALA".into(), ..Default::default() };
        let envelope = new_envelope("schedule", "s-1", &event);
        assert_eq!(envelope.event_type, "qashyq.schedule.events.v1.SchoolRegistered");
        assert_eq!(envelope.producer, "schedule");
        assert_eq!(envelope.schema_version, SCHEMA_VERSION);
        assert!(Uuid::parse_str(&envelope.event_id).is_ok());
        let decoded: SchoolRegistered = decode_payload(&EventEnvelope::decode(envelope.encode_to_vec().as_slice()).unwrap()).unwrap();
        assert_eq!(decoded, event);
    }

    #[test]
    fn wrong_payload_type_is_refused() {
        let envelope = new_envelope("schedule", "s-1", &SchoolRegistered::default());
        let error = decode_payload::<qashyq_proto::assignments::events::v1::HomeworkPosted>(&envelope).unwrap_err();
        assert!(matches!(error, PayloadError::WrongType { .. }));
    }
}
