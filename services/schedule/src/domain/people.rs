//! Pupils and parents of the directory (R-REF-1): how lessons reach a pupil, and a parent's
//! phone number in one canonical spelling.

/// How lessons and homework reach a pupil (seed 003).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// E-journal, video lessons and conferences.
    Broadband,
    /// Television lessons only; homework by phone or on paper.
    TvOnly,
    /// Paper packs collected by a designated teacher or the post.
    Paper,
}

impl Delivery {
    pub const ALL: [Delivery; 3] = [Delivery::Broadband, Delivery::TvOnly, Delivery::Paper];

    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Broadband => "broadband",
            Delivery::TvOnly => "tv_only",
            Delivery::Paper => "paper",
        }
    }

    /// The stored name, or the spellings a school's spreadsheet uses ("TV-only", "tv only").
    pub fn parse(value: &str) -> Option<Self> {
        let key: String = value.trim().to_lowercase().chars().map(|c| if c == '-' || c == ' ' { '_' } else { c }).collect();
        match key.as_str() {
            "broadband" | "internet" | "online" => Some(Delivery::Broadband),
            "tv_only" | "tv" => Some(Delivery::TvOnly),
            "paper" => Some(Delivery::Paper),
            _ => None,
        }
    }
}

/// A Kazakhstan phone number in E.164 ("+77011234567"), from any usual spelling: "+7 701 123
/// 45 67", "8 (701) 123-45-67", "87011234567". Numbers of other countries are not accepted:
/// parents are reached through Kazakh operators (SMS, messengers).
pub fn normalise_phone(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    if trimmed.chars().any(|c| !(c.is_ascii_digit() || " +-()".contains(c))) || trimmed.matches('+').count() > 1 {
        return None;
    }
    if trimmed.contains('+') && !trimmed.starts_with('+') {
        return None;
    }
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    let national = match (trimmed.starts_with('+'), digits.len()) {
        (true, 11) if digits.starts_with('7') => &digits[1..],
        (false, 11) if digits.starts_with('8') || digits.starts_with('7') => &digits[1..],
        (false, 10) => &digits[..],
        _ => return None,
    };
    // Kazakhstan's numbers start with 6 or 7 (mobile 70x/747/77x, landlines 7xx); 6xx are in
    // Kazakhstan's reserve of the +7 plan. Russian numbers (3xx, 4xx, 8xx, 9xx) are refused.
    national.starts_with(['6', '7']).then(|| format!("+7{national}"))
}

/// Longest personal name accepted.
pub const MAX_PERSON_NAME_CHARS: usize = 200;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_ref_1_delivery_names_round_trip_and_spreadsheet_spellings_read() {
        for d in Delivery::ALL {
            assert_eq!(Delivery::parse(d.as_str()), Some(d));
        }
        assert_eq!(Delivery::parse("TV-only"), Some(Delivery::TvOnly));
        assert_eq!(Delivery::parse(" Paper "), Some(Delivery::Paper));
        assert_eq!(Delivery::parse("pigeon"), None);
    }

    #[test]
    fn phones_are_read_in_every_usual_spelling() {
        for raw in ["+7 701 123 45 67", "8 (701) 123-45-67", "87011234567", "7011234567", "+77011234567"] {
            assert_eq!(normalise_phone(raw).as_deref(), Some("+77011234567"), "{raw}");
        }
        for bad in ["", "123", "+7 701 123 45 6", "+1 701 123 4567", "8 (901) 123-45-67", "7011234567x", "70+11234567", "+7 701 123 45 678"] {
            assert_eq!(normalise_phone(bad), None, "{bad}");
        }
    }
}
