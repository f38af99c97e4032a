//! gRPC's message framing (one flag byte, a big-endian length, the message), for the places the
//! gateway looks into a call's body or makes one: the audit's record, the dashboards' calls.

use prost::Message;

/// One uncompressed gRPC frame of `message`.
pub fn frame(message: &impl Message) -> Vec<u8> {
    let body = message.encode_to_vec();
    let mut framed = Vec::with_capacity(body.len() + 5);
    framed.push(0);
    framed.extend((body.len() as u32).to_be_bytes());
    framed.extend(body);
    framed
}

/// The message of one uncompressed gRPC frame.
pub fn unframe(framed: &[u8]) -> Option<&[u8]> {
    let (&compressed, rest) = framed.split_first()?;
    if compressed != 0 || rest.len() < 4 {
        return None;
    }
    let length = u32::from_be_bytes(rest[..4].try_into().ok()?) as usize;
    rest.get(4..4 + length)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_framed_message_unframes_to_itself() {
        let message = qashyq_proto::schedule::v1::GetSchoolRequest { school_id: "s1".into() };
        assert_eq!(unframe(&frame(&message)), Some(message.encode_to_vec().as_slice()));
        assert_eq!(unframe(&[1, 0, 0, 0, 0]), None, "compressed frames are not read");
        assert_eq!(unframe(&[0, 0, 0, 0, 9, 1]), None, "a frame shorter than its length");
    }
}
