//! Request policies, as async-graphql extensions: the cost model, document limits checked at
//! parse time, metering against the cost limit and the rate limiter, and trusted documents.
//! Each hooks the request, parsing or execution as a whole, never single fields.

pub mod cost;
pub mod limits;
pub mod metering;
pub mod trusted_documents;
