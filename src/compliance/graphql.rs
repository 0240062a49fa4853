//! GraphQL: `section55Compliance(publishedFrom, publishedTo)`.

use async_graphql::{Context, Object, Result};

use super::service::{ComplianceRow, section55};
use crate::error::IntoGql;
use crate::graphql::ctx;
use crate::types::Date;

#[derive(Default)]
pub struct ComplianceQuery;

#[Object]
impl ComplianceQuery {
    /// Per force, how many inspections published in the period stand in each Section 55 state.
    async fn section55_compliance(
        &self,
        gql: &Context<'_>,
        published_from: Option<Date>,
        published_to: Option<Date>,
    ) -> Result<Vec<ComplianceRow>> {
        section55(ctx(gql)?, published_from, published_to)
            .await
            .gql()
    }
}
