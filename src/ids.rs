//! Object kinds and their IDs (ID-001, ID-002, ID-003).
//!
//! An ID is the kind's prefix followed by 12 lowercase base-36 characters
//! drawn from a CSPRNG (`uuid::Uuid::new_v4` with uuid's `fast-rng`: a
//! thread-local ChaCha generator seeded from the operating system), so IDs
//! are neither guessable nor sequential, without a system call per ID.

use std::fmt;

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

/// A fresh, random ID for an object of `kind`.
pub fn new_object_id(kind: ObjectKind) -> String {
    const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    // 64 of the UUID's random bits are plenty: 12 base-36 digits carry
    // about 62 bits, and u64 division is much cheaper than u128's.
    let mut bits = uuid::Uuid::new_v4().as_u64_pair().1;
    let mut id = String::with_capacity(kind.prefix().len() + RANDOM_PART_LEN);
    id.push_str(kind.prefix());
    for _ in 0..RANDOM_PART_LEN {
        id.push(char::from(ALPHABET[(bits % 36) as usize]));
        bits /= 36;
    }
    id
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
    fn ten_thousand_ids_are_distinct() {
        let ids: HashSet<String> = (0..10_000)
            .map(|_| new_object_id(ObjectKind::Raw))
            .collect();
        assert_eq!(ids.len(), 10_000);
    }

    #[test]
    fn prefixes_are_distinct_and_four_characters() {
        let prefixes: HashSet<&str> = ObjectKind::ALL.iter().map(|k| k.prefix()).collect();
        assert_eq!(prefixes.len(), ObjectKind::ALL.len());
        assert!(prefixes.iter().all(|p| p.len() == 4 && p.ends_with('_')));
    }
}
