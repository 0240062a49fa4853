//! GraphQL: `Inspection.pccResponse` (via its loader) and the PCC response mutations.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};

use crate::context::Ctx;
use crate::ctx;
use crate::errors::{IntoGql, ToGql};
use crate::pcc_responses::model::{ChecklistInput, PccResponse, PccResponseInput};
use crate::pcc_responses::service;
use crate::types;
use crate::view::{Date, maybe};
use crate::write::{Body, Precondition};

/// PCC responses by (force, inspection), keeping those the caller may read.
pub struct PccResponses {
    pub ctx: Ctx,
}

impl Loader<(String, String)> for PccResponses {
    type Value = PccResponse;
    type Error = async_graphql::Error;

    async fn load(
        &self,
        keys: &[(String, String)],
    ) -> Result<HashMap<(String, String), PccResponse>> {
        let keys = keys.to_vec();
        let c = self.ctx.clone();
        let all = self
            .ctx
            .db
            .run(move |conn| service::for_pairs(conn, &c, &keys))
            .await
            .map_err(|e| e.to_gql())?;
        Ok(all
            .into_iter()
            .map(|r| ((r.force_id.clone(), r.inspection_id.clone()), r))
            .collect())
    }
}

/// Checklist dates: left out keeps a date, null clears it.
#[derive(InputObject, Default)]
#[graphql(name = "PccChecklistInput")]
pub struct ChecklistGqlInput {
    pub forwarded_to_chief_constable_on: MaybeUndefined<Date>,
    pub forwarded_to_police_and_crime_panel_on: MaybeUndefined<Date>,
    pub submitted_to_hmicfrs_portal_on: MaybeUndefined<Date>,
    pub sent_to_home_secretary_on: MaybeUndefined<Date>,
    pub published_on_opcc_website_on: MaybeUndefined<Date>,
}

#[derive(InputObject, Default)]
#[graphql(name = "PccResponseInput")]
pub struct PccResponseGqlInput {
    pub comments: Option<String>,
    pub checklist: Option<ChecklistGqlInput>,
}

impl From<PccResponseGqlInput> for PccResponseInput {
    fn from(i: PccResponseGqlInput) -> Self {
        PccResponseInput {
            comments: i.comments,
            checklist: i.checklist.map(|c| ChecklistInput {
                forwarded_to_chief_constable_on: maybe(c.forwarded_to_chief_constable_on),
                forwarded_to_police_and_crime_panel_on: maybe(
                    c.forwarded_to_police_and_crime_panel_on,
                ),
                submitted_to_hmicfrs_portal_on: maybe(c.submitted_to_hmicfrs_portal_on),
                sent_to_home_secretary_on: maybe(c.sent_to_home_secretary_on),
                published_on_opcc_website_on: maybe(c.published_on_opcc_website_on),
            }),
        }
    }
}

#[derive(Default)]
pub struct PccResponseMutation;

#[Object]
impl PccResponseMutation {
    /// Creates (without `expectedVersion`) or changes the PCC response.
    async fn put_pcc_response(
        &self,
        gql: &Context<'_>,
        force_id: String,
        inspection_id: ID,
        expected_version: Option<i32>,
        input: PccResponseGqlInput,
    ) -> Result<types::PccResponse> {
        let pre = Precondition::from_expected(expected_version);
        service::put(
            ctx(gql)?,
            &force_id,
            &inspection_id,
            pre,
            Body::Value(input.into()),
        )
        .await
        .map(|(r, _)| r)
        .view()
    }

    /// Publishes the PCC response (Section 55(5B) applies).
    async fn publish_pcc_response(
        &self,
        gql: &Context<'_>,
        force_id: String,
        inspection_id: ID,
    ) -> Result<types::PccResponse> {
        service::publish(ctx(gql)?, &force_id, &inspection_id)
            .await
            .view()
    }
}
