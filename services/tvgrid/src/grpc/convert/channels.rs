//! The catalogue's broadcast channels in the API's terms, by language of instruction and medium
//! (R-TV-1).

use qashyq_catalogue::{Channel, Language, Medium};
use qashyq_platform::{ApiError, validate::Violations};
use qashyq_proto::tvgrid::v1 as pb;

fn language_filter(v: &mut Violations, raw: i32) -> Option<Option<Language>> {
    qashyq_platform::language::from_proto(raw).map_err(|error| v.add("language", error.to_string())).ok()
}

fn medium_filter(v: &mut Violations, raw: i32) -> Option<Option<Medium>> {
    match pb::Medium::try_from(raw) {
        Ok(pb::Medium::Unspecified) => Some(None),
        Ok(pb::Medium::Tv) => Some(Some(Medium::Tv)),
        Ok(pb::Medium::Radio) => Some(Some(Medium::Radio)),
        Err(_) => {
            v.add("medium", format!("{raw} is not a medium"));
            None
        }
    }
}

fn channel_to_proto(channel: &Channel) -> pb::Channel {
    pb::Channel {
        channel_id: channel.id.clone(),
        name: channel.name.clone(),
        language: qashyq_platform::language::to_proto(channel.language),
        medium: match channel.medium {
            Medium::Tv => pb::Medium::Tv,
            Medium::Radio => pb::Medium::Radio,
        } as i32,
    }
}

/// Reads a channel filter: a language, a medium, or both (none: every channel).
pub fn filter(request: &pb::ListChannelsRequest) -> Result<(Option<Language>, Option<Medium>), ApiError> {
    let mut v = Violations::new();
    let language = language_filter(&mut v, request.language);
    let medium = medium_filter(&mut v, request.medium);
    Ok(v.values((language, medium))?)
}

pub fn channels_to_proto<'a>(channels: impl Iterator<Item = &'a Channel>) -> pb::ListChannelsResponse {
    pb::ListChannelsResponse { channels: channels.map(channel_to_proto).collect() }
}
