//! Forces, the tenants of the service, and the local policing bodies that answer for them
//! over time.

pub mod model;
pub mod reference;
pub mod service;
pub mod worklist;
