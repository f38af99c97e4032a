//! Pupils and parents of the directory (R-REF-1): how lessons reach a pupil, and a parent's
//! phone number in one canonical spelling.

use uuid::Uuid;

/// A parent, known by their phone number (E.164); siblings share one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parent {
    pub id: Uuid,
    pub full_name: String,
    pub phone: String,
}

/// A pupil of a class, with their parents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pupil {
    pub id: Uuid,
    pub school_id: Uuid,
    pub class_id: Uuid,
    pub full_name: String,
    pub delivery: Delivery,
    pub iin: Option<String>,
    pub parents: Vec<Parent>,
}

/// A pupil to register, as read from a request: the class, name, delivery, IIN and parents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPupil {
    pub class_id: Uuid,
    pub full_name: String,
    pub delivery: Delivery,
    pub iin: Option<String>,
    pub parents: Vec<super::roster::ParentRow>,
}

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

/// Checks a Kazakhstan individual identification number (IIN): 12 digits, the first six the
/// date of birth (YYMMDD), the seventh the century and sex (1–6), the last a check digit (weights
/// 1…11 mod 11, or 3…11,1,2 when that gives 10). The IIN is how schools tell pupils apart, so a
/// re-imported roster does not register the same pupil twice.
pub fn valid_iin(raw: &str) -> Option<String> {
    let iin = raw.trim();
    let digits: Vec<u32> = iin.chars().map(|c| c.to_digit(10)).collect::<Option<_>>()?;
    if digits.len() != 12 {
        return None;
    }
    let (month, day) = (digits[2] * 10 + digits[3], digits[4] * 10 + digits[5]);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || !(1..=6).contains(&digits[6]) {
        return None;
    }
    let weighted = |weights: [u32; 11]| weights.iter().zip(&digits).map(|(w, d)| w * d).sum::<u32>() % 11;
    let mut check = weighted([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    if check == 10 {
        check = weighted([3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]);
    }
    (check < 10 && check == digits[11]).then(|| iin.to_owned())
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
    fn r_ref_1_iins_are_checked_by_their_check_digit_and_date() {
        for iin in ["080215500016", "080215600022", "120901500035", " 090703500050 "] {
            assert_eq!(valid_iin(iin).as_deref(), Some(iin.trim()), "{iin}");
        }
        // Wrong check digit, wrong length, a 13th month, a bad century digit, not digits.
        for bad in ["080215500017", "08021550001", "081315500016", "080215700016", "08021550001x", ""] {
            assert_eq!(valid_iin(bad), None, "{bad}");
        }
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
