//! GraphQL: `inspections`, `inspection(id)`, `Inspection.items`, and the mutations.

use async_graphql::connection::Connection;
use async_graphql::{ComplexObject, Context, ID, InputObject, MaybeUndefined, Object, Result};

use crate::EagerConnection;
use crate::errors::IntoGql;
use crate::inspections::model::InspectionPatch;
use crate::inspections::service;
use crate::types::{
    ForceResponse, Inspection, InspectionFilter, Item, NewInspection, PccResponse, ScopeInput,
};
use crate::view::{Convert, Date, maybe};
use crate::write::{Body, Precondition};
use crate::{Loaders, connection, ctx};

#[derive(Default)]
pub struct InspectionQuery;

#[Object]
impl InspectionQuery {
    /// Inspections the caller may read, newest first.
    #[graphql(
        complexity = "(first.unwrap_or(20).clamp(0, 100) as usize).saturating_mul(child_complexity)"
    )]
    async fn inspections(
        &self,
        gql: &Context<'_>,
        filter: Option<InspectionFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Inspection>> {
        let limit = crate::first(first).gql()?;
        let filter = filter.map(Convert::convert).unwrap_or_default();
        let page = service::list(ctx(gql)?, filter, limit, after)
            .await
            .view()?;
        Ok(connection(page))
    }

    /// One inspection; null (with a `not_found` error) if the caller may not read it.
    async fn inspection(&self, gql: &Context<'_>, id: ID) -> Result<Option<Inspection>> {
        service::get(ctx(gql)?, &id).await.view().map(Some)
    }
}

#[ComplexObject]
impl Inspection {
    /// Recommendations, areas for improvement and causes of concern, in document order.
    #[graphql(
        complexity = "(first.unwrap_or(20).clamp(0, 100) as usize).saturating_mul(child_complexity)"
    )]
    async fn items(
        &self,
        gql: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<EagerConnection<Item>> {
        let limit = crate::first(first).gql()?;
        let cursor = after
            .as_deref()
            .map(|c| oversight_domain::types::decode_cursor("after", c))
            .transpose()
            .gql()?;
        let items = gql
            .data::<std::sync::Arc<Loaders>>()?
            .items
            .load_one(self.id.clone());
        let ahead = gql.look_ahead();
        let responses = crate::schema::responses::load_responses_ahead(gql, &self.id, &ahead);
        let (all, ()) = futures_util::future::try_join(items, responses).await?;
        let page = crate::items::service::paginate(all.unwrap_or_default(), None, limit, cursor);
        crate::schema::responses::load_every_response_ahead(gql, &page.items, &ahead).await?;
        Ok(EagerConnection::new(page))
    }

    /// The chief constable's response of a force; null if none, or not the caller's to read.
    async fn force_response(
        &self,
        gql: &Context<'_>,
        force_id: String,
    ) -> Result<Option<ForceResponse>> {
        Ok(gql
            .data::<std::sync::Arc<Loaders>>()?
            .force_response(force_id, &self.id)
            .await?
            .map(ForceResponse::from))
    }

    /// The PCC response of a force, with its Section 55 status; null if none, or not the
    /// caller's to read.
    async fn pcc_response(
        &self,
        gql: &Context<'_>,
        force_id: String,
    ) -> Result<Option<PccResponse>> {
        Ok(gql
            .data::<std::sync::Arc<Loaders>>()?
            .pcc_response(force_id, &self.id)
            .await?
            .map(PccResponse::from))
    }
}

/// Changes to an inspection; fields left out stay as they are, null clears `reportUrl` and
/// returns `section55Deadline` to the default rule.
#[derive(InputObject, Default)]
pub struct InspectionPatchInput {
    pub title: Option<String>,
    pub published_on: Option<Date>,
    pub publication_types: Option<Vec<String>>,
    pub report_url: MaybeUndefined<String>,
    pub key_findings: Option<String>,
    pub scope: Option<ScopeInput>,
    pub section55_deadline: MaybeUndefined<Date>,
}

impl From<InspectionPatchInput> for InspectionPatch {
    fn from(p: InspectionPatchInput) -> Self {
        InspectionPatch {
            title: p.title,
            published_on: Convert::convert(p.published_on),
            publication_types: p.publication_types,
            report_url: maybe(p.report_url),
            key_findings: p.key_findings,
            scope: Convert::convert(p.scope),
            section55_deadline: maybe(p.section55_deadline),
        }
    }
}

#[derive(Default)]
pub struct InspectionMutation;

#[Object]
impl InspectionMutation {
    /// Records a newly published inspection (inspectorate, admin).
    async fn create_inspection(
        &self,
        gql: &Context<'_>,
        input: NewInspection,
    ) -> Result<Inspection> {
        service::create(ctx(gql)?, Body::Value(input.into()))
            .await
            .view()
    }

    /// Changes an inspection; `expectedVersion` is the version last read.
    async fn update_inspection(
        &self,
        gql: &Context<'_>,
        id: ID,
        expected_version: i32,
        input: InspectionPatchInput,
    ) -> Result<Inspection> {
        let pre = Precondition::from_expected(Some(expected_version));
        service::update(ctx(gql)?, &id, pre, Body::Value(input.into()))
            .await
            .view()
    }
}
