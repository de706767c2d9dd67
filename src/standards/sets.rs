//! Small sets of enum values (industries, sites, functions) as bit masks:
//! copying one into a finding costs nothing, which keeps `evaluate` free of
//! allocations for them. They read and write as JSON lists.

use std::fmt;
use std::marker::PhantomData;

use serde::de::Deserializer;
use serde::ser::{SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

use crate::domain::Lang;
use crate::domain::proposal::{Industry, Location, Proposal};

/// A closed enum whose values can live in a [`Set`].
pub trait Member: Copy + PartialEq + 'static {
    const ALL: &'static [Self];
    fn position(self) -> usize;
}

impl Member for Industry {
    const ALL: &'static [Self] = Industry::ALL;
    fn position(self) -> usize {
        self.index()
    }
}

impl Member for Location {
    const ALL: &'static [Self] = Location::ALL;
    fn position(self) -> usize {
        self.index()
    }
}

pub struct Set<T> {
    bits: u32,
    _of: PhantomData<T>,
}

pub type IndustrySet = Set<Industry>;
pub type LocationSet = Set<Location>;
pub type FlagSet = Set<Flag>;

impl<T> Clone for Set<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Set<T> {}
impl<T> PartialEq for Set<T> {
    fn eq(&self, other: &Self) -> bool {
        self.bits == other.bits
    }
}
impl<T> Eq for Set<T> {}
impl<T> Default for Set<T> {
    fn default() -> Self {
        Set {
            bits: 0,
            _of: PhantomData,
        }
    }
}

impl<T: Member> Set<T> {
    pub fn empty() -> Self {
        Self::default()
    }

    pub fn of(items: &[T]) -> Self {
        items.iter().copied().collect()
    }

    pub fn contains(self, item: T) -> bool {
        self.bits & (1 << item.position()) != 0
    }

    pub fn with(mut self, item: T) -> Self {
        self.bits |= 1 << item.position();
        self
    }

    pub fn is_empty(self) -> bool {
        self.bits == 0
    }

    pub fn len(self) -> usize {
        self.bits.count_ones() as usize
    }

    pub fn minus(self, other: Self) -> Self {
        Set {
            bits: self.bits & !other.bits,
            _of: PhantomData,
        }
    }

    pub fn intersect(self, other: Self) -> Self {
        Set {
            bits: self.bits & other.bits,
            _of: PhantomData,
        }
    }

    pub fn is_subset(self, other: Self) -> bool {
        self.bits & !other.bits == 0
    }

    /// Members in their declaration order.
    pub fn iter(self) -> impl Iterator<Item = T> {
        T::ALL.iter().copied().filter(move |t| self.contains(*t))
    }
}

impl<T: Member> FromIterator<T> for Set<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        iter.into_iter().fold(Set::empty(), Set::with)
    }
}

impl<T: Member + fmt::Debug> fmt::Debug for Set<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<T: Member + Serialize> Serialize for Set<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.len()))?;
        for item in self.iter() {
            seq.serialize_element(&item)?;
        }
        seq.end()
    }
}

impl<'de, T: Member + Deserialize<'de>> Deserialize<'de> for Set<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<T>::deserialize(d)?.into_iter().collect())
    }
}

/// The functions a town provides (STANDARDS.md §1 `functions.*` booleans).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    Industry,
    Culture,
    Tourism,
    Community,
    PublicServiceApp,
    TownLivingRoom,
}

impl Member for Flag {
    const ALL: &'static [Self] = &[
        Flag::Industry,
        Flag::Culture,
        Flag::Tourism,
        Flag::Community,
        Flag::PublicServiceApp,
        Flag::TownLivingRoom,
    ];
    fn position(self) -> usize {
        self as usize
    }
}

impl Flag {
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Flag::Industry, Lang::Zh) => "产业功能",
            (Flag::Industry, Lang::En) => "industry function",
            (Flag::Culture, Lang::Zh) => "文化功能",
            (Flag::Culture, Lang::En) => "culture function",
            (Flag::Tourism, Lang::Zh) => "旅游功能",
            (Flag::Tourism, Lang::En) => "tourism function",
            (Flag::Community, Lang::Zh) => "社区功能",
            (Flag::Community, Lang::En) => "community function",
            (Flag::PublicServiceApp, Lang::Zh) => "公共服务APP",
            (Flag::PublicServiceApp, Lang::En) => "public-service app",
            (Flag::TownLivingRoom, Lang::Zh) => "小镇客厅",
            (Flag::TownLivingRoom, Lang::En) => "town living room",
        }
    }

    /// The functions a proposal provides.
    pub fn present_in(p: &Proposal) -> FlagSet {
        let f = p.functions();
        [
            (Flag::Industry, f.industry),
            (Flag::Culture, f.culture),
            (Flag::Tourism, f.tourism),
            (Flag::Community, f.community),
            (Flag::PublicServiceApp, f.public_service_app),
            (Flag::TownLivingRoom, f.town_living_room),
        ]
        .into_iter()
        .filter_map(|(flag, on)| on.then_some(flag))
        .collect()
    }
}
