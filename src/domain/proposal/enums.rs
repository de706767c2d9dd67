//! The closed sets of values a proposal chooses from. Each value has a fixed
//! code (used by JSON, forms and the database) and a label in both languages.

use serde::{Deserialize, Serialize};

use crate::domain::Lang;

/// Declares a closed choice: the enum, its codes, its labels, and lookups.
macro_rules! choice_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $($variant:ident = $code:literal, $zh:literal, $en:literal;)+ }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $code)] $variant,)+
        }

        impl $name {
            /// Every value, in the order forms list them.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The code used in JSON, forms and the database.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }

            /// Reads a code exactly as `code()` writes it.
            pub fn from_code(code: &str) -> Option<$name> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }

            /// The name shown on pages and in reports.
            pub fn label(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $(($name::$variant, Lang::Zh) => $zh, ($name::$variant, Lang::En) => $en,)+
                }
            }

            /// Position in `ALL`, for compact sets.
            pub fn index(self) -> usize {
                self as usize
            }
        }
    };
}

choice_enum! {
    /// The town's industry (产业类别): the seven industries of the Zhejiang
    /// programme, the historic classic trades, or something else.
    Industry {
        InformationEconomy = "information_economy", "信息经济", "Information economy";
        EnvironmentalProtection = "environmental_protection", "环保", "Environmental protection";
        Health = "health", "健康", "Health";
        Tourism = "tourism", "旅游", "Tourism";
        Fashion = "fashion", "时尚", "Fashion";
        Finance = "finance", "金融", "Finance";
        HighEndEquipment = "high_end_equipment", "高端装备制造", "High-end equipment manufacturing";
        HistoricClassic = "historic_classic", "历史经典", "Historic classic trades";
        Other = "other", "其他", "Other";
    }
}

choice_enum! {
    /// The historic classic trade (历史经典产业) of a historic_classic town.
    ClassicTrade {
        Tea = "tea", "茶叶", "Tea";
        Silk = "silk", "丝绸", "Silk";
        YellowWine = "yellow_wine", "黄酒", "Yellow wine";
        ChineseMedicine = "chinese_medicine", "中药", "Traditional Chinese medicine";
        Celadon = "celadon", "青瓷", "Celadon";
        WoodCarving = "wood_carving", "木雕", "Wood carving";
        RootCarving = "root_carving", "根雕", "Root carving";
        StoneCarving = "stone_carving", "石雕", "Stone carving";
        StudyTreasures = "study_treasures", "文房", "Four treasures of the study";
        Sword = "sword", "宝剑", "Swords";
    }
}

choice_enum! {
    /// Where the town is sited (选址).
    Location {
        UrbanRuralFringe = "urban_rural_fringe", "城乡结合部", "urban-rural fringe";
        Independent = "independent", "独立选址", "independent site";
        BuiltUpCenter = "built_up_center", "建成区中心", "centre of a built-up area";
    }
}
