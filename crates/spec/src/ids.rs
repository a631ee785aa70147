//! Object kinds and their IDs (ID-001, ID-002, ID-003).
//!
//! An ID is the kind's prefix followed by 12 lowercase base-36 characters
//! that are neither guessable nor sequential (ID-003).
//!
//! The store numbers an object by its position in its session, through
//! [`IdCipher`]: a pseudorandom permutation under a key drawn from a CSPRNG,
//! so that finding an object by ID needs no index, only the inverse
//! permutation. IDs that are not stored ([`new_object_id`]) are drawn from
//! a CSPRNG directly (`uuid::Uuid::new_v4` with uuid's `fast-rng`: a
//! thread-local ChaCha generator seeded from the operating system).

use std::fmt;
use std::hash::Hasher;

use siphasher::sip::SipHasher13;

/// Every kind of object the API creates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// A raw tomato from `/v1/tomato/acquire`.
    Raw,
    /// Sliced tomatoes from `/v1/tomato/slice`.
    Sliced,
    /// Juice from `/v1/tomato/squeeze`.
    Juice,
    /// A sauce from `/v1/cook/simmer`.
    Sauce,
    /// A roasted ingredient from `/v1/cook/roast`.
    Roasted,
    /// A pizza base from `/v1/pizza/base`.
    Base,
    /// An assembled pizza from `/v1/pizza/assemble`.
    Assembled,
    /// A baked pizza from `/v1/pizza/bake`.
    Baked,
    /// A taste analysis from `/v1/taste/analyze`.
    Analysis,
    /// A taste comparison from `/v1/taste/compare`.
    Comparison,
}

/// How many random base-36 characters follow the prefix (ID-003).
pub const RANDOM_PART_LEN: usize = 12;

impl ObjectKind {
    /// All kinds, in pipeline order.
    pub const ALL: [ObjectKind; 10] = [
        ObjectKind::Raw,
        ObjectKind::Sliced,
        ObjectKind::Juice,
        ObjectKind::Sauce,
        ObjectKind::Roasted,
        ObjectKind::Base,
        ObjectKind::Assembled,
        ObjectKind::Baked,
        ObjectKind::Analysis,
        ObjectKind::Comparison,
    ];

    /// The ID prefix of this kind, underscore included (ID-001, ID-003).
    pub fn prefix(self) -> &'static str {
        match self {
            ObjectKind::Raw => "tom_",
            ObjectKind::Sliced => "slc_",
            ObjectKind::Juice => "jce_",
            ObjectKind::Sauce => "sce_",
            ObjectKind::Roasted => "rst_",
            ObjectKind::Base => "bas_",
            ObjectKind::Assembled => "pza_",
            ObjectKind::Baked => "bkd_",
            ObjectKind::Analysis => "tst_",
            ObjectKind::Comparison => "cmp_",
        }
    }

    /// The endpoint that creates objects of this kind; the session log
    /// names it for each operation (LOG-001).
    pub const fn endpoint(self) -> &'static str {
        match self {
            ObjectKind::Raw => "/v1/tomato/acquire",
            ObjectKind::Sliced => "/v1/tomato/slice",
            ObjectKind::Juice => "/v1/tomato/squeeze",
            ObjectKind::Sauce => "/v1/cook/simmer",
            ObjectKind::Roasted => "/v1/cook/roast",
            ObjectKind::Base => "/v1/pizza/base",
            ObjectKind::Assembled => "/v1/pizza/assemble",
            ObjectKind::Baked => "/v1/pizza/bake",
            ObjectKind::Analysis => "/v1/taste/analyze",
            ObjectKind::Comparison => "/v1/taste/compare",
        }
    }

    /// The kind the endpoint at `path` creates, if `path` is one.
    pub fn of_endpoint(path: &str) -> Option<ObjectKind> {
        ObjectKind::ALL.into_iter().find(|k| k.endpoint() == path)
    }

    /// The kind whose ID prefix `text` begins with, if any.
    pub fn of_prefixed(text: &str) -> Option<ObjectKind> {
        ObjectKind::ALL
            .into_iter()
            .find(|k| text.starts_with(k.prefix()))
    }

    /// The value of the object's `type` field.
    pub fn type_name(self) -> &'static str {
        match self {
            ObjectKind::Raw => "raw",
            ObjectKind::Sliced => "sliced",
            ObjectKind::Juice => "juice",
            ObjectKind::Sauce => "sauce",
            ObjectKind::Roasted => "roasted",
            ObjectKind::Base => "base",
            ObjectKind::Assembled => "assembled",
            ObjectKind::Baked => "baked",
            ObjectKind::Analysis => "analysis",
            ObjectKind::Comparison => "comparison",
        }
    }

    /// How error messages name this kind, with an article.
    pub fn described(self) -> &'static str {
        match self {
            ObjectKind::Raw => "a raw tomato (tom_)",
            ObjectKind::Sliced => "a sliced tomato (slc_)",
            ObjectKind::Juice => "a juice (jce_)",
            ObjectKind::Sauce => "a sauce (sce_)",
            ObjectKind::Roasted => "a roasted ingredient (rst_)",
            ObjectKind::Base => "a pizza base (bas_)",
            ObjectKind::Assembled => "an assembled pizza (pza_)",
            ObjectKind::Baked => "a baked pizza (bkd_)",
            ObjectKind::Analysis => "a taste analysis (tst_)",
            ObjectKind::Comparison => "a taste comparison (cmp_)",
        }
    }
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.type_name())
    }
}

/// Every kind's prefix without its underscore, as a regular expression's
/// alternation: `tom|slc|…|cmp`.
pub fn prefix_alternation() -> String {
    ObjectKind::ALL
        .iter()
        .map(|k| k.prefix().trim_end_matches('_'))
        .collect::<Vec<_>>()
        .join("|")
}

/// The session log's route (LOG-001), as a router writes it.
pub const LOG_ROUTE: &str = "/v1/session/{session_id}/log";

/// The session a log path names, still percent-encoded:
/// `/v1/session/abc/log` names `abc`. `None` for any other path, and for
/// an empty or nested session segment.
pub fn log_session(path: &str) -> Option<&str> {
    let session = path.strip_prefix("/v1/session/")?.strip_suffix("/log")?;
    (!session.is_empty() && !session.contains('/')).then_some(session)
}

/// The base-36 digits of an ID, most significant first.
const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// How many numbers [`RANDOM_PART_LEN`] base-36 characters can spell.
const ID_NUMBERS: u64 = 36u64.pow(RANDOM_PART_LEN as u32);

/// Length of every ID: a four-character prefix and the random part.
pub const ID_LEN: usize = 4 + RANDOM_PART_LEN;

/// An object ID in the form the store keeps: the kind, whose prefix starts
/// the ID, and the number the 12 base-36 characters spell. Sixteen bytes
/// instead of a string on the heap, and a `u64` to hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ObjectId {
    kind: ObjectKind,
    number: u64,
}

impl ObjectId {
    /// A fresh, random ID for an object of `kind`.
    pub fn random(kind: ObjectKind) -> Self {
        // 64 of the UUID's random bits are plenty: 12 base-36 digits carry
        // about 62 bits, and u64 division is much cheaper than u128's.
        let bits = uuid::Uuid::new_v4().as_u64_pair().1;
        Self {
            kind,
            number: bits % ID_NUMBERS,
        }
    }

    /// The ID a client wrote, if it has the shape of one of ours: a known
    /// prefix and 12 lowercase base-36 characters. Anything else cannot
    /// name an object of a session.
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() != ID_LEN {
            return None;
        }
        let (prefix, digits) = text.split_at_checked(4)?;
        let kind = ObjectKind::ALL.into_iter().find(|k| k.prefix() == prefix)?;
        let number = digits.bytes().try_fold(0u64, |number, b| {
            let digit = match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'z' => b - b'a' + 10,
                _ => return None,
            };
            Some(number * 36 + u64::from(digit))
        })?;
        Some(Self { kind, number })
    }

    /// The ID of `kind` whose random part spells `number` (modulo 36^12).
    pub fn from_parts(kind: ObjectKind, number: u64) -> Self {
        Self {
            kind,
            number: number % ID_NUMBERS,
        }
    }

    /// The kind of object the ID names.
    pub fn kind(self) -> ObjectKind {
        self.kind
    }

    /// The number the random part spells; unique within a session.
    pub fn number(self) -> u64 {
        self.number
    }

    /// The ID as text, without touching the heap.
    pub fn text(self) -> IdText {
        let mut bytes = [0u8; ID_LEN];
        bytes[..4].copy_from_slice(self.kind.prefix().as_bytes());
        let mut rest = self.number;
        for slot in bytes[4..].iter_mut().rev() {
            *slot = ALPHABET[(rest % 36) as usize];
            rest /= 36;
        }
        IdText(bytes)
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text().as_str())
    }
}

/// An ID's text on the stack: a prefix and base-36 characters, all ASCII.
#[derive(Clone, Copy)]
pub struct IdText([u8; ID_LEN]);

impl IdText {
    /// The text.
    pub fn as_str(&self) -> &str {
        // Built from ASCII prefixes and ALPHABET only, so this never fails.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl std::ops::Deref for IdText {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

/// A fresh, random ID for an object of `kind`, as text.
pub fn new_object_id(kind: ObjectKind) -> String {
    ObjectId::random(kind).to_string()
}

/// Turns an object's position in its session into the number of its ID,
/// and back: the store finds objects by ID without an index (a hash index
/// of random numbers costs a cache miss or two per object created, and
/// about 20 bytes per object).
///
/// The permutation is a 6-round Feistel network on 62 bits whose round
/// function is SipHash-1-3 under a 128-bit key drawn from a CSPRNG when the
/// store is made, tweaked by the session's serial number. Without the key,
/// consecutive numbers are as unpredictable as drawn ones (a block cipher
/// in counter mode is a CSPRNG), and within a session two positions never
/// share a number, since a permutation cannot repeat itself.
///
/// The 62-bit block is spread evenly over `[0, 36^12)`, so that every
/// character of an ID is as evenly drawn as a random one's.
pub struct IdCipher {
    key: (u64, u64),
}

/// Bits in each half of the Feistel network's block.
const HALF_BITS: u32 = 31;
const HALF_MASK: u64 = (1 << HALF_BITS) - 1;
/// Bits in the block: positions below `1 << BLOCK_BITS` can be numbered.
const BLOCK_BITS: u32 = 2 * HALF_BITS;
const FEISTEL_ROUNDS: u64 = 6;

// The ID space is larger than the block space, so spreading stays one to one.
const _: () = assert!((1u64 << BLOCK_BITS) < ID_NUMBERS);

impl IdCipher {
    /// A cipher under a fresh random key.
    pub fn new() -> Self {
        Self {
            key: rand::random(),
        }
    }

    /// A cipher under a key shared with other processes, e.g. the
    /// replicas of one fleet (the shared store keeps it).
    pub fn with_key(key: (u64, u64)) -> Self {
        Self { key }
    }

    /// The number of the ID of the object at `position` in the session
    /// with serial `session`. `position` must be below 2^62.
    pub fn number(&self, session: u64, position: u64) -> u64 {
        let keyed = self.keyed(session);
        let (mut left, mut right) = (position >> HALF_BITS & HALF_MASK, position & HALF_MASK);
        for round in 0..FEISTEL_ROUNDS {
            (left, right) = (right, left ^ Self::round(keyed, round, right));
        }
        spread(left << HALF_BITS | right)
    }

    /// The position whose number is `number` in the session with serial
    /// `session`, or `None` if `number` is not one this cipher gives out.
    pub fn position(&self, session: u64, number: u64) -> Option<u64> {
        let spread_block = Some(number).filter(|&n| n < ID_NUMBERS)?;
        // The one block that could spread to it, if any: spreading skips
        // about one number in forty.
        let block = u64::try_from(
            (u128::from(spread_block) << BLOCK_BITS).div_ceil(u128::from(ID_NUMBERS)),
        )
        .ok()
        .filter(|&b| b < 1 << BLOCK_BITS && spread(b) == spread_block)?;
        let keyed = self.keyed(session);
        let (mut left, mut right) = (block >> HALF_BITS, block & HALF_MASK);
        for round in (0..FEISTEL_ROUNDS).rev() {
            (left, right) = (right ^ Self::round(keyed, round, left), left);
        }
        Some(left << HALF_BITS | right)
    }

    /// The hasher with the session's serial absorbed: the first half of
    /// every round function's input, hashed once per permutation.
    fn keyed(&self, session: u64) -> SipHasher13 {
        let mut hasher = SipHasher13::new_with_keys(self.key.0, self.key.1);
        hasher.write_u64(session);
        hasher
    }

    /// Round function: SipHash-1-3 of (session, round, half), 31 bits.
    fn round(keyed: SipHasher13, round: u64, half: u64) -> u64 {
        let mut hasher = keyed;
        hasher.write_u64(round << 32 | half);
        hasher.finish() & HALF_MASK
    }
}

/// Spreads a 62-bit block evenly over `[0, 36^12)`, one to one.
fn spread(block: u64) -> u64 {
    // block * 36^12 / 2^62 < 36^12, which fits a u64.
    ((u128::from(block) * u128::from(ID_NUMBERS)) >> BLOCK_BITS) as u64
}

impl Default for IdCipher {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_id_is_its_prefix_and_twelve_base36_characters() {
        for kind in ObjectKind::ALL {
            let id = new_object_id(kind);
            let rest = id.strip_prefix(kind.prefix()).expect("prefix");
            assert_eq!(rest.len(), RANDOM_PART_LEN, "{id}");
            assert!(rest
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()));
        }
    }

    #[test]
    fn endpoints_prefixes_and_log_paths_name_their_kind_and_session() {
        for kind in ObjectKind::ALL {
            assert_eq!(ObjectKind::of_endpoint(kind.endpoint()), Some(kind));
            assert_eq!(ObjectKind::of_prefixed(&new_object_id(kind)), Some(kind));
        }
        assert_eq!(ObjectKind::of_endpoint("/v1/tomato"), None);
        assert_eq!(ObjectKind::of_prefixed("tomato"), None);
        assert_eq!(log_session("/v1/session/abc/log"), Some("abc"));
        for other in ["/v1/session//log", "/v1/session/a/b/log", "/v1/session/abc"] {
            assert_eq!(log_session(other), None, "{other}");
        }
    }

    #[test]
    fn ten_thousand_ids_are_distinct() {
        let ids: HashSet<String> = (0..10_000)
            .map(|_| new_object_id(ObjectKind::Raw))
            .collect();
        assert_eq!(ids.len(), 10_000);
    }

    #[test]
    fn every_id_parses_back_to_itself() {
        for kind in ObjectKind::ALL {
            for _ in 0..100 {
                let id = ObjectId::random(kind);
                assert_eq!(ObjectId::parse(&id.text()), Some(id));
            }
        }
        let extremes = ["tom_000000000000", "tom_zzzzzzzzzzzz", "cmp_0123456789ab"];
        for text in extremes {
            let id = ObjectId::parse(text).expect(text);
            assert_eq!(id.text().as_str(), text);
        }
    }

    #[test]
    fn the_cipher_turns_positions_into_distinct_numbers_and_back() {
        let cipher = IdCipher::new();
        let mut seen = HashSet::new();
        for position in (0..20_000).chain([u64::from(u32::MAX), (1 << BLOCK_BITS) - 1]) {
            let number = cipher.number(7, position);
            assert!(number < ID_NUMBERS, "{number}");
            assert!(seen.insert(number), "position {position} repeats a number");
            assert_eq!(cipher.position(7, number), Some(position));
            // Another session, or another key, numbers it differently.
            assert_ne!(cipher.number(8, position), number);
            assert_ne!(IdCipher::new().number(7, position), number);
        }
        assert_eq!(cipher.position(7, ID_NUMBERS), None);
        // A number the spreading skips turns back into nothing, never into
        // the position of another number.
        let mut skipped = 0;
        for number in (ID_NUMBERS - 4_000)..ID_NUMBERS {
            match cipher.position(7, number) {
                Some(position) => assert_eq!(cipher.number(7, position), number),
                None => skipped += 1,
            }
        }
        assert!((50..150).contains(&skipped), "{skipped} of 4000 skipped");
    }

    #[test]
    fn every_character_of_cipher_ids_is_evenly_drawn() {
        // 36,000 IDs: each character should show each digit about 1,000
        // times, the first one included.
        let cipher = IdCipher::new();
        let mut counts = [[0u32; 36]; RANDOM_PART_LEN];
        for position in 0..36_000 {
            let id = ObjectId::from_parts(ObjectKind::Raw, cipher.number(3, position));
            for (place, b) in id.text().as_bytes()[4..].iter().enumerate() {
                let digit = ALPHABET.iter().position(|a| a == b).unwrap();
                counts[place][digit] += 1;
            }
        }
        for (place, digits) in counts.iter().enumerate() {
            for (digit, &count) in digits.iter().enumerate() {
                assert!(
                    (800..1200).contains(&count),
                    "character {place} is {} {count} times in 36000",
                    ALPHABET[digit] as char
                );
            }
        }
    }

    #[test]
    fn cipher_numbers_are_not_sequential() {
        // Consecutive positions give numbers spread over the whole range:
        // a counter would give differences of 1.
        let cipher = IdCipher::new();
        let numbers: Vec<u64> = (0..1_000).map(|p| cipher.number(1, p)).collect();
        let small_steps = numbers
            .windows(2)
            .filter(|w| w[0].abs_diff(w[1]) < 1 << 40)
            .count();
        assert!(small_steps < 5, "{small_steps} small steps");
        let mean = numbers.iter().map(|&n| n as f64).sum::<f64>() / numbers.len() as f64;
        let middle = ID_NUMBERS as f64 / 2.0;
        assert!(
            (mean / middle - 1.0).abs() < 0.1,
            "mean {mean}, middle {middle}"
        );
    }

    #[test]
    fn text_that_is_not_one_of_our_ids_does_not_parse() {
        for text in [
            "",
            "tom_",
            "tom_00000000000",
            "tom_0000000000000",
            "tom_00000000000A",
            "tom_00000000000-",
            "xyz_000000000000",
            "TOM_000000000000",
            "tom-000000000000",
            "tom_0000000000\u{e9}",
            "\u{e9}om_00000000000",
        ] {
            assert_eq!(ObjectId::parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn prefixes_are_distinct_and_four_characters() {
        let prefixes: HashSet<&str> = ObjectKind::ALL.iter().map(|k| k.prefix()).collect();
        assert_eq!(prefixes.len(), ObjectKind::ALL.len());
        assert!(prefixes.iter().all(|p| p.len() == 4 && p.ends_with('_')));
    }
}
