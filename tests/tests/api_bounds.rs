//! R-GW-5: every repeated field a caller can send has a documented bound. The test reads the
//! `.proto` files, follows every RPC's request message into the messages it contains, and fails
//! on a repeated field without "at most N" (or a range "N–M") in the comment above it. The bounds
//! themselves are enforced where requests are read (`Violations::at_most`), and tested there.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

/// A field of a message: its type, whether it repeats, and the comment lines right above it.
struct Field {
    type_name: String,
    name: String,
    repeated: bool,
    comment: String,
}

fn proto_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            proto_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "proto") {
            out.push(path);
        }
    }
}

/// Messages by simple name with their fields, and the request type of every RPC.
fn read_protos() -> (BTreeMap<String, Vec<Field>>, BTreeSet<String>) {
    let mut files = Vec::new();
    proto_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../proto"), &mut files);
    let (mut messages, mut requests) = (BTreeMap::new(), BTreeSet::new());
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let mut current: Option<String> = None;
        let mut comment = String::new();
        for line in text.lines().map(str::trim) {
            if let Some(rest) = line.strip_prefix("//") {
                comment.push_str(rest);
                comment.push(' ');
                continue;
            }
            if let Some(rest) = line.strip_prefix("rpc ") {
                let request = rest.split('(').nth(1).and_then(|r| r.split(')').next()).unwrap().trim();
                requests.insert(request.rsplit('.').next().unwrap().to_owned());
            } else if let Some(rest) = line.strip_prefix("message ") {
                let name = rest.split_whitespace().next().unwrap().to_owned();
                messages.entry(name.clone()).or_insert_with(Vec::new);
                // A one-line message (`message X { repeated Y z = 1; }`) has its fields inline.
                if let Some(body) = rest.split_once('{').map(|(_, b)| b.trim_end_matches('}').trim()).filter(|b| !b.is_empty()) {
                    messages.get_mut(&name).unwrap().extend(field(body, &comment));
                } else {
                    current = Some(name);
                }
            } else if line.starts_with('}') {
                current = None;
            } else if let Some(message) = &current {
                messages.get_mut(message).unwrap().extend(field(line, &comment));
            }
            comment.clear();
        }
    }
    (messages, requests)
}

fn field(line: &str, comment: &str) -> Option<Field> {
    let declaration = line.split(';').next()?.split('=').next()?.trim();
    let words: Vec<&str> = declaration.split_whitespace().collect();
    let (repeated, words) = match words.as_slice() {
        ["repeated", rest @ ..] => (true, rest.to_vec()),
        rest => (false, rest.to_vec()),
    };
    let [type_name, name] = words.as_slice() else { return None };
    Some(Field { type_name: type_name.rsplit('.').next()?.to_owned(), name: (*name).to_owned(), repeated, comment: comment.to_owned() })
}

fn states_a_bound(comment: &str) -> bool {
    let lower = comment.to_lowercase();
    lower.contains("at most")
        || lower
            .split_whitespace()
            .any(|word| word.split_once('–').is_some_and(|(a, b)| a.parse::<u32>().is_ok() && b.trim_end_matches(',').parse::<u32>().is_ok()))
}

#[test]
fn r_gw_5_every_repeated_field_a_caller_sends_has_a_documented_bound() {
    let (messages, requests) = read_protos();
    assert!(requests.len() > 40, "RPCs found: {requests:?}");
    let mut reachable: BTreeSet<String> = BTreeSet::new();
    let mut queue: Vec<String> = requests.iter().cloned().collect();
    while let Some(message) = queue.pop() {
        if !messages.contains_key(&message) || !reachable.insert(message.clone()) {
            continue;
        }
        queue.extend(messages[&message].iter().map(|f| f.type_name.clone()));
    }
    assert!(reachable.contains("GridDay") && reachable.contains("Segment"), "nested request messages are followed");
    let unbounded: Vec<String> = reachable
        .iter()
        .flat_map(|message| messages[message].iter().filter(|f| f.repeated && !states_a_bound(&f.comment)).map(move |f| format!("{message}.{}", f.name)))
        .collect();
    assert!(unbounded.is_empty(), "repeated request fields without a documented bound: {unbounded:?}");
}
