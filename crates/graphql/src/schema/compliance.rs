//! GraphQL: `section55Compliance(publishedFrom, publishedTo)`.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Object, Result};

use crate::compliance::service::section55;
use crate::context::Ctx;
use crate::ctx;
use crate::errors::IntoGql;
use crate::types::{ComplianceRow, ForceFigures};
use crate::view::{Convert, Date};

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
        section55(
            ctx(gql)?,
            published_from.map(|d| d.0),
            published_to.map(|d| d.0),
        )
        .await
        .map(Convert::convert)
        .gql()
    }
}

/// Figures by force id; null for callers who may not read the force's submitted work.
pub struct ForceFiguresLoader {
    pub ctx: Ctx,
}

impl Loader<String> for ForceFiguresLoader {
    type Value = ForceFigures;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, ForceFigures>, Self::Error> {
        let figures = crate::compliance::figures::readable(&self.ctx, keys)
            .await
            .gql()?;
        Ok(figures.into_iter().map(|(k, v)| (k, v.into())).collect())
    }
}
