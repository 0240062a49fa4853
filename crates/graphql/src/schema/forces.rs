//! GraphQL: `forces`, `force(id)`.

use async_graphql::connection::Connection;
use async_graphql::{ComplexObject, Context, Object, Result};

use crate::errors::{IntoGql, ToGql};
use crate::forces::service;
use crate::types::{Force, ForceFigures, ForceKind, InspectionFilter, WorklistEntry};
use crate::view::Convert;
use crate::{connection, ctx};

#[derive(Default)]
pub struct ForceQuery;

#[Object]
impl ForceQuery {
    /// Every force with the policing body in office today.
    async fn forces(&self, gql: &Context<'_>) -> Result<Vec<Force>> {
        service::list(ctx(gql)?).await.view()
    }

    /// One force by id (`norfolk`); null if there is none.
    async fn force(&self, gql: &Context<'_>, id: String) -> Result<Option<Force>> {
        match service::get(ctx(gql)?, &id).await {
            Ok(f) => Ok(Some(f.into())),
            Err(crate::error::AppError::NotFound(_)) => Ok(None),
            Err(e) => Err(e.to_gql()),
        }
    }
}

#[ComplexObject]
impl Force {
    /// The force's worklist: inspections in its scope, newest first, with the status of its
    /// response, its PCC response and its Section 55 duty.
    #[graphql(
        complexity = "(first.unwrap_or(20).clamp(0, 100) as usize).saturating_mul(child_complexity)"
    )]
    async fn inspections(
        &self,
        gql: &Context<'_>,
        filter: Option<InspectionFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, WorklistEntry>> {
        let limit = crate::first(first).gql()?;
        let loaders = gql.data::<std::sync::Arc<crate::Loaders>>()?;
        let with_responses = loaders.worklist_brings_responses();
        let (page, responses) = crate::forces::worklist::list_with_kind(
            ctx(gql)?,
            &self.id,
            Some(self.kind == ForceKind::Territorial),
            with_responses,
            filter.map(Convert::convert).unwrap_or_default(),
            limit,
            after,
        )
        .await
        .gql()?;
        loaders.keep_worklist_responses(&self.id, responses);
        Ok(connection(Convert::convert(page)))
    }

    /// Open recommendations and overdue actions; null for callers who may not read the force's
    /// submitted work.
    async fn figures(&self, gql: &Context<'_>) -> Result<Option<ForceFigures>> {
        gql.data::<std::sync::Arc<crate::Loaders>>()?
            .force_figures
            .load_one(self.id.clone())
            .await
    }
}
