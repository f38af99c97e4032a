//! What record a call is about, read from its request without per-method code: for each public
//! method, the top-level string fields of its request that name a record (`…_id`, `region_code`,
//! `campaign`), found once in the compiled descriptors; a request's values of them are read from
//! its protobuf bytes. The audit log records them for observers' reads ("school_id=…").

use std::collections::HashMap;

use prost::Message;
use prost_types::{FileDescriptorSet, field_descriptor_proto::Type};

/// Longest value recorded of one field (ids and codes are far shorter).
const MAX_VALUE_CHARS: usize = 100;

/// The record fields of every method's request: (field number, name).
pub struct RecordFields(HashMap<String, Vec<(u32, String)>>);

fn names_a_record(name: &str) -> bool {
    name.ends_with("_id") || name == "region_code" || name == "campaign"
}

impl RecordFields {
    pub fn from_descriptors(bytes: &[u8]) -> anyhow::Result<Self> {
        let set = FileDescriptorSet::decode(bytes)?;
        let messages: HashMap<String, &prost_types::DescriptorProto> =
            set.file.iter().flat_map(|file| file.message_type.iter().map(move |m| (format!(".{}.{}", file.package(), m.name()), m))).collect();
        let mut methods = HashMap::new();
        for file in &set.file {
            for service in &file.service {
                for method in &service.method {
                    let fields = messages
                        .get(method.input_type())
                        .map(|message| {
                            message
                                .field
                                .iter()
                                .filter(|f| {
                                    f.r#type() == Type::String && f.label() != prost_types::field_descriptor_proto::Label::Repeated && names_a_record(f.name())
                                })
                                .map(|f| (f.number() as u32, f.name().to_owned()))
                                .collect()
                        })
                        .unwrap_or_default();
                    methods.insert(format!("/{}.{}/{}", file.package(), service.name(), method.name()), fields);
                }
            }
        }
        Ok(Self(methods))
    }

    /// "school_id=…, date=…" of a request body (gRPC frames); empty when it names no record.
    pub fn record_of(&self, method: &str, framed: &[u8]) -> String {
        let Some(fields) = self.0.get(method).filter(|f| !f.is_empty()) else { return String::new() };
        let Some(message) = crate::grpc_frame::unframe(framed) else { return "(unreadable request)".to_owned() };
        let mut found: Vec<String> = Vec::new();
        for (number, value) in string_fields(message) {
            if let Some((_, name)) = fields.iter().find(|(n, _)| *n == number)
                && !value.is_empty()
            {
                found.push(format!("{name}={}", value.chars().take(MAX_VALUE_CHARS).collect::<String>()));
            }
        }
        found.join(", ")
    }
}

fn varint(bytes: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = bytes.split_first()?;
        *bytes = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// The top-level length-delimited fields of a message that are UTF-8, by field number (the
/// protobuf wire format read without a schema).
pub(crate) fn string_fields(mut bytes: &[u8]) -> Vec<(u32, String)> {
    let mut found = Vec::new();
    while !bytes.is_empty() {
        let Some(key) = varint(&mut bytes) else { break };
        let (number, wire) = ((key >> 3) as u32, key & 7);
        match wire {
            0 => {
                if varint(&mut bytes).is_none() {
                    break;
                }
            }
            1 => bytes = bytes.get(8..).unwrap_or_default(),
            5 => bytes = bytes.get(4..).unwrap_or_default(),
            2 => {
                let Some(length) = varint(&mut bytes) else { break };
                let Some(value) = bytes.get(..length as usize) else { break };
                if let Ok(text) = std::str::from_utf8(value) {
                    found.push((number, text.to_owned()));
                }
                bytes = &bytes[length as usize..];
            }
            _ => break,
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use qashyq_proto::schedule::v1::{GetClassDayRequest, GetSchoolRequest, ListSchoolsRequest};

    use super::*;

    use crate::grpc_frame::frame as framed;

    #[test]
    fn r_gw_2_the_record_a_read_is_about_is_read_from_any_request() {
        let fields = RecordFields::from_descriptors(qashyq_proto::FILE_DESCRIPTOR_SET).unwrap();
        let get = GetSchoolRequest { school_id: "0196a000-0000-7000-8000-000000000001".into() };
        assert_eq!(fields.record_of("/qashyq.schedule.v1.DirectoryService/GetSchool", &framed(&get)), "school_id=0196a000-0000-7000-8000-000000000001");
        let day = GetClassDayRequest { class_id: "c1".into(), date: None };
        assert_eq!(fields.record_of("/qashyq.schedule.v1.TimetableService/GetClassDay", &framed(&day)), "class_id=c1");
        let list = ListSchoolsRequest { region_code: "KZ-ALA".into(), district_id: String::new(), page: None };
        assert_eq!(fields.record_of("/qashyq.schedule.v1.DirectoryService/ListSchools", &framed(&list)), "region_code=KZ-ALA");
        assert_eq!(fields.record_of("/qashyq.schedule.v1.CatalogueService/ListRegions", &[0, 0, 0, 0, 0]), "");
        assert_eq!(fields.record_of("/qashyq.schedule.v1.DirectoryService/GetSchool", &[1, 0, 0, 0, 0]), "(unreadable request)");
    }
}
