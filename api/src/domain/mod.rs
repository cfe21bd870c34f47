//! The rules of the partnership domain, with no database and no GraphQL in them: a project's
//! status and whether it crosses borders, how a stated total compares with the funding lines,
//! how a funding line splits over calendar years, exact money, text folding and the search query language, the
//! instants local event times name, and the shapes of codes. The store and the schema both call these; neither restates them.

pub mod audit;
pub mod funding;
pub mod global_id;
pub mod money;
pub mod network;
pub mod project;
pub mod search;
pub mod text;
pub mod time;
pub mod validation;
pub mod values;
