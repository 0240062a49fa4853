//! GraphQL: `forces`, `force(id)`.

use async_graphql::{Context, Object, Result};

use super::model::Force;
use super::service;
use crate::error::IntoGql;
use crate::graphql::ctx;

#[derive(Default)]
pub struct ForceQuery;

#[Object]
impl ForceQuery {
    /// Every force with the policing body in office today.
    async fn forces(&self, gql: &Context<'_>) -> Result<Vec<Force>> {
        service::list(ctx(gql)?).await.gql()
    }

    /// One force by id (`norfolk`); null if there is none.
    async fn force(&self, gql: &Context<'_>, id: String) -> Result<Option<Force>> {
        match service::get(ctx(gql)?, &id).await {
            Ok(f) => Ok(Some(f)),
            Err(crate::error::AppError::NotFound(_)) => Ok(None),
            Err(e) => Err(e.to_gql()),
        }
    }
}
