//! Oversight's GraphQL schema over the domain (`oversight-domain`): its types (`types`, over
//! the domain's through `view`), the resolvers of each domain (`schema`), limits, per-request
//! loaders, and the fast path that keeps national answers cheap (`eager`, `answers`,
//! `selected`, `order`). It knows HTTP only as far as the answer cache's bytes: the handlers are
//! the service's (`oversight::graphql_http`).

use std::collections::HashMap;

use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::dataloader::DataLoader;
use async_graphql::{EmptySubscription, MergedObject, OutputType, Schema};

// The domain's modules, at the paths the resolvers name them by.
use oversight_domain::{
    actions, auth, compliance, context, error, forces, inspections, items, pcc_responses,
    responses, section55, write,
};

use crate::context::Ctx;
use crate::error::AppError;
use oversight_domain::types::{Page, clamp_limit};

pub mod answers;
pub mod eager;
pub mod errors;
#[macro_use]
pub mod view;
pub mod order;
pub mod schema;
mod selected;
pub mod types;
pub use eager::{Eager, EagerConnection, EagerFields};
pub use selected::Selected;

/// Deepest query accepted.
pub const MAX_DEPTH: usize = 16;
/// Costliest query accepted (a list field costs its `first` times its children).
pub const MAX_COMPLEXITY: usize = 250_000;
/// Most operations in one batch.
pub const MAX_BATCH: usize = 10;
/// Longest query text accepted.
pub const MAX_QUERY_BYTES: usize = 32 * 1024;
/// Most fields (aliases included) written in one query.
pub const MAX_SELECTIONS: usize = 500;
/// Most fields of one query once its fragments are spread (each spread counts its fragment's
/// fields): what the executor walks.
pub const MAX_SPREAD_SELECTIONS: usize = 5_000;

/// A query that passed [`check_size`]: its parsed document (`None` if it does not parse: the
/// executor then answers with its own error), whether it holds a mutation, and the fields it
/// selects (for the loaders' choice of columns).
#[derive(Clone)]
pub struct Checked {
    pub doc: Option<async_graphql::parser::types::ExecutableDocument>,
    pub mutation: bool,
    pub selected: std::sync::Arc<Selected>,
}

/// Refuses, before any work, a query too long or with too many fields (thousands of aliases
/// of one cheap field pass the complexity limit but still cost a resolver each). The document
/// it parses is handed to the executor, which would otherwise parse the text again.
pub fn check_size(query: &str) -> Result<Checked, AppError> {
    use async_graphql::parser::types::{DocumentOperations, Selection, SelectionSet};
    if query.len() > MAX_QUERY_BYTES {
        return Err(AppError::bad_request(format!(
            "a query is at most {MAX_QUERY_BYTES} bytes"
        )));
    }
    let Ok(doc) = async_graphql::parser::parse_query(query) else {
        return Ok(Checked {
            doc: None,
            mutation: false,
            selected: std::sync::Arc::new(Selected::everything()),
        });
    };
    fn count(set: &SelectionSet) -> usize {
        set.items
            .iter()
            .map(|s| match &s.node {
                Selection::Field(f) => 1 + count(&f.node.selection_set.node),
                Selection::FragmentSpread(_) => 1,
                Selection::InlineFragment(f) => count(&f.node.selection_set.node),
            })
            .sum()
    }
    let mut total: usize = doc
        .fragments
        .values()
        .map(|f| count(&f.node.selection_set.node))
        .sum();
    total += match &doc.operations {
        DocumentOperations::Single(op) => count(&op.node.selection_set.node),
        DocumentOperations::Multiple(ops) => ops
            .values()
            .map(|op| count(&op.node.selection_set.node))
            .sum(),
    };
    if total > MAX_SELECTIONS {
        return Err(AppError::bad_request(format!(
            "a query selects at most {MAX_SELECTIONS} fields (aliases included); this one selects {total}"
        )));
    }
    let mut spread = Spread {
        doc: &doc,
        sizes: HashMap::new(),
    };
    let mut expanded: usize = 0;
    for (_, op) in doc.operations.iter() {
        expanded = expanded.saturating_add(spread.size(&op.node.selection_set.node)?);
    }
    if expanded > MAX_SPREAD_SELECTIONS {
        return Err(AppError::bad_request(format!(
            "a query selects at most {MAX_SPREAD_SELECTIONS} fields once its fragments are \
             spread; this one selects {expanded}"
        )));
    }
    let mutation = doc
        .operations
        .iter()
        .any(|(_, op)| op.node.ty == async_graphql::parser::types::OperationType::Mutation);
    let selected = std::sync::Arc::new(Selected::of(&doc));
    Ok(Checked {
        doc: Some(doc),
        mutation,
        selected,
    })
}

/// The size of a document's selection sets with its fragments spread, each fragment's
/// measured once: fragments that each spread the next twice would otherwise have the
/// executor's own walks (its depth check) take two to the power of their depth steps for a
/// query of a few hundred bytes.
struct Spread<'a> {
    doc: &'a async_graphql::parser::types::ExecutableDocument,
    /// Each fragment's size, or `None` while it is being measured.
    sizes: HashMap<&'a str, Option<usize>>,
}

impl<'a> Spread<'a> {
    fn size(
        &mut self,
        set: &'a async_graphql::parser::types::SelectionSet,
    ) -> Result<usize, AppError> {
        use async_graphql::parser::types::Selection;
        let mut n: usize = 0;
        for s in &set.items {
            let more = match &s.node {
                Selection::Field(f) => {
                    1usize.saturating_add(self.size(&f.node.selection_set.node)?)
                }
                Selection::InlineFragment(f) => self.size(&f.node.selection_set.node)?,
                Selection::FragmentSpread(f) => {
                    let name = f.node.fragment_name.node.as_str();
                    match self.sizes.get(name) {
                        Some(Some(size)) => *size,
                        Some(None) => {
                            return Err(AppError::bad_request(format!(
                                "fragment {name} spreads itself"
                            )));
                        }
                        None => match self.doc.fragments.get(name) {
                            // Unknown: the executor's validation answers for it.
                            None => 0,
                            Some(fragment) => {
                                self.sizes.insert(name, None);
                                let size = self.size(&fragment.node.selection_set.node)?;
                                self.sizes.insert(name, Some(size));
                                size
                            }
                        },
                    }
                }
            };
            n = n.saturating_add(more);
        }
        Ok(n)
    }
}

/// Queries already checked and parsed, by their text. Dashboards send the same few queries
/// again and again, and parsing one (a grammar run over every character) cost the OPCC
/// dashboard more than serialising its 70 KB answer. Bounded: when full it starts again.
#[derive(Default)]
pub struct QueryCache {
    parsed: std::sync::Mutex<std::collections::HashMap<String, Checked>>,
}

impl QueryCache {
    /// Most queries kept (at most [`MAX_QUERY_BYTES`] each).
    pub const CAPACITY: usize = 256;

    /// [`check_size`], answered from the cache where the text was checked before. A query
    /// refused is not kept.
    pub fn check(&self, query: &str) -> Result<Checked, AppError> {
        // A poisoned lock means a panic while it was held; the map is still whole.
        let hit = self
            .parsed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(query)
            .cloned();
        if let Some(hit) = hit {
            return Ok(hit);
        }
        let checked = check_size(query)?;
        if checked.doc.is_some() {
            let mut parsed = self.parsed.lock().unwrap_or_else(|e| e.into_inner());
            if parsed.len() >= Self::CAPACITY {
                parsed.clear();
            }
            parsed.insert(query.to_string(), checked.clone());
        }
        Ok(checked)
    }
}

#[derive(MergedObject, Default)]
pub struct Query(
    crate::schema::forces::ForceQuery,
    crate::schema::inspections::InspectionQuery,
    crate::schema::items::ItemQuery,
    crate::schema::compliance::ComplianceQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    crate::schema::inspections::InspectionMutation,
    crate::schema::items::ItemMutation,
    crate::schema::responses::ResponseMutation,
    crate::schema::actions::ActionMutation,
    crate::schema::pcc_responses::PccResponseMutation,
);

pub type OversightSchema = Schema<Query, Mutation, EmptySubscription>;

pub fn schema() -> OversightSchema {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .limit_recursive_depth(64)
        .finish()
}

/// The SDL written to `schema.graphql`.
pub fn sdl() -> String {
    schema().sdl()
}

/// The request's context, put in by the handler.
pub fn ctx<'a>(gql: &async_graphql::Context<'a>) -> async_graphql::Result<&'a Ctx> {
    gql.data::<Ctx>()
}

/// `first` as the contract reads it: 20 when absent, at most 100.
pub fn first(n: Option<i32>) -> Result<i64, AppError> {
    clamp_limit("first", n.map(i64::from))
}

/// A Relay connection from a page.
pub fn connection<T: OutputType>(page: Page<T>) -> Connection<String, T, EmptyFields, EmptyFields> {
    let mut c = Connection::new(false, page.next_cursor.is_some());
    c.edges.extend(
        page.items
            .into_iter()
            .zip(page.cursors.iter())
            .map(|(node, cursor)| Edge::new(cursor, node)),
    );
    c
}

/// Per-request batch loaders, so a query never issues one statement per row.
pub struct Loaders {
    pub items: DataLoader<crate::schema::items::ItemsByInspection>,
    /// Asked through [`Loaders::force_response`], which first looks in what a worklist kept.
    force_responses: DataLoader<crate::schema::responses::ForceResponses>,
    /// Asked through [`Loaders::every_response`] (and read alike by
    /// [`Loaders::load_every_response`]), which keep what it loads.
    item_responses: DataLoader<crate::schema::responses::ItemResponses>,
    pub actions: DataLoader<crate::schema::actions::Actions>,
    /// Asked through [`Loaders::pcc_response`], which first looks in what a worklist kept.
    pcc_responses: DataLoader<crate::schema::pcc_responses::PccResponses>,
    /// Asked through [`Loaders::counts`], which keeps what it loads: for responses read without
    /// their counts (the answer of a mutation that wrote one).
    action_counts: DataLoader<crate::schema::actions::ActionCountsLoader>,
    /// Asked through [`Loaders::responses_of_force`], which keeps what it loads.
    item_responses_of_force: DataLoader<crate::schema::responses::ItemResponsesOfForce>,
    pub force_figures: DataLoader<crate::schema::compliance::ForceFiguresLoader>,
    /// What a query has loaded so far of a force's work on an inspection: a list loads its
    /// children's ahead, and each child finds its own by a lookup rather than a round through
    /// the loader (a key cloned, a lock, a map built, a channel per child). `None` in a
    /// mutation, whose later fields must see its earlier writes.
    kept: Option<std::sync::Mutex<Kept>>,
    /// The counts of an item without actions.
    pub no_actions: Eager<types::ActionCounts>,
    /// Whether the operation's document asks an inspection for a force's response or PCC
    /// response anywhere: a worklist then reads its statuses from the whole rows and keeps
    /// them (see [`Loaders::worklist_brings_responses`]).
    asks_inspection_responses: bool,
    /// Whether objects built in place are written as JSON text (`eager::Building`): where the
    /// document repeats no response key, so no object of the answer is merged with another.
    json: bool,
}

/// By force, then inspection. (foldhash: these maps are asked once for each of hundreds of
/// objects in an answer, and SipHash, the standard hasher, cost more than the lookups' work.)
type ByPair<T> = foldhash::HashMap<String, foldhash::HashMap<String, T>>;

#[derive(Default)]
struct Kept {
    counts: ByPair<crate::schema::actions::ItemCounts>,
    responses: ByPair<crate::schema::responses::ResponsesByItem>,
    /// Every readable force's responses to an item, by item.
    every_response: foldhash::HashMap<String, crate::schema::responses::EveryResponse>,
    /// A force's response to an inspection on a worklist page read in this query; `None`
    /// where there is none the caller may read.
    force_response: ByPair<Option<crate::responses::model::ForceResponse>>,
    /// The same for PCC responses.
    pcc_response: ByPair<Option<crate::pcc_responses::model::PccResponse>>,
}

impl Loaders {
    /// Loaders for one operation; `cache` for a query, not for a mutation. `selected` (the
    /// fields the operation's document selects) decides whether items and item responses are
    /// read whole or narrow (their types' `WIDE_FIELDS`).
    pub fn new(ctx: &Ctx, cache: bool, selected: &Selected) -> Loaders {
        use types::{Item, ItemResponse};
        let whole_items = selected.asks_any("Item", Item::WIDE_FIELDS);
        let whole_responses = selected.asks_any("ItemResponse", ItemResponse::WIDE_FIELDS);
        let counts = selected.asks_any("ItemResponse", &["actionCounts"]);
        Loaders {
            items: batched(crate::schema::items::ItemsByInspection {
                ctx: ctx.clone(),
                whole: whole_items,
            }),
            force_responses: batched(crate::schema::responses::ForceResponses { ctx: ctx.clone() }),
            item_responses: batched(crate::schema::responses::ItemResponses {
                ctx: ctx.clone(),
                whole: whole_responses,
                counts,
            }),
            actions: batched(crate::schema::actions::Actions { ctx: ctx.clone() }),
            pcc_responses: batched(crate::schema::pcc_responses::PccResponses { ctx: ctx.clone() }),
            action_counts: batched(crate::schema::actions::ActionCountsLoader { ctx: ctx.clone() }),
            item_responses_of_force: batched(crate::schema::responses::ItemResponsesOfForce {
                ctx: ctx.clone(),
                whole: whole_responses,
                counts,
            }),
            force_figures: batched(crate::schema::compliance::ForceFiguresLoader {
                ctx: ctx.clone(),
            }),
            kept: cache.then(Default::default),
            no_actions: Eager::new(Default::default()),
            asks_inspection_responses: selected
                .asks_any("Inspection", &["forceResponse", "pccResponse"]),
            json: !selected.repeats_a_key,
        }
    }

    /// Whether a force's worklist should read its responses whole and keep them
    /// ([`Loaders::keep_worklist_responses`]): in a query (which keeps what it loads) whose
    /// document asks inspections for them. The dashboard's `forceResponse` and `pccResponse`
    /// then cost no statements of their own.
    pub fn worklist_brings_responses(&self) -> bool {
        self.keeps() && self.asks_inspection_responses
    }

    /// Keeps a worklist page's responses for `force`, an entry for each of its inspections
    /// (empty where the force has no response the caller may read).
    pub fn keep_worklist_responses(
        &self,
        force: &str,
        responses: Vec<crate::forces::worklist::Responses>,
    ) {
        let (mut force_rows, mut pcc_rows) = (Vec::new(), Vec::new());
        for r in responses {
            let key = (force.to_string(), r.inspection_id);
            force_rows.push((key.clone(), r.force));
            pcc_rows.push((key, r.pcc));
        }
        self.keep(|k| &mut k.force_response, force_rows);
        self.keep(|k| &mut k.pcc_response, pcc_rows);
    }

    /// A force's response to an inspection, if the caller may read it: kept by a worklist in
    /// this query if it is, else loaded (in a batch).
    pub async fn force_response(
        &self,
        force: String,
        inspection: &str,
    ) -> async_graphql::Result<Option<crate::responses::model::ForceResponse>> {
        let kept = self.kept(|k| &k.force_response, &force, inspection);
        kept_or_load(kept, &self.force_responses, force, inspection).await
    }

    /// A force's PCC response to an inspection, if the caller may read it: kept by a worklist
    /// in this query if it is, else loaded (in a batch).
    pub async fn pcc_response(
        &self,
        force: String,
        inspection: &str,
    ) -> async_graphql::Result<Option<crate::pcc_responses::model::PccResponse>> {
        let kept = self.kept(|k| &k.pcc_response, &force, inspection);
        kept_or_load(kept, &self.pcc_responses, force, inspection).await
    }

    /// The action counts of a force's responses to an inspection, by item: those kept in this
    /// query if there are, else loaded (with whatever else this turn asks) and kept.
    pub async fn counts(
        &self,
        force: &str,
        inspection: &str,
    ) -> async_graphql::Result<Option<crate::schema::actions::ItemCounts>> {
        if let Some(kept) = self.kept(|k| &k.counts, force, inspection) {
            return Ok(Some(kept));
        }
        let key = (force.to_string(), inspection.to_string());
        let loaded = self.action_counts.load_one(key.clone()).await?;
        if let Some(counts) = &loaded {
            self.keep(|k| &mut k.counts, [(key, counts.clone())]);
        }
        Ok(loaded)
    }

    /// A force's responses to the items of an inspection that the caller may read, by item:
    /// those kept in this query if there are, else loaded (in a batch) and kept.
    pub async fn responses_of_force(
        &self,
        force: &str,
        inspection: &str,
    ) -> async_graphql::Result<crate::schema::responses::ResponsesByItem> {
        if let Some(kept) = self.kept(|k| &k.responses, force, inspection) {
            return Ok(kept);
        }
        let key = (force.to_string(), inspection.to_string());
        let loaded = self
            .item_responses_of_force
            .load_one(key.clone())
            .await?
            .unwrap_or_default();
        self.keep(|k| &mut k.responses, [(key, loaded.clone())]);
        Ok(loaded)
    }

    /// Every readable force's response to an item: kept in this query if it is, else loaded
    /// (in a batch) and kept.
    pub async fn every_response(
        &self,
        item: &str,
    ) -> async_graphql::Result<crate::schema::responses::EveryResponse> {
        let kept = self
            .lock_kept()
            .and_then(|k| k.every_response.get(item).cloned());
        if let Some(kept) = kept {
            return Ok(kept);
        }
        let loaded = self
            .item_responses
            .load_one(item.to_string())
            .await?
            .unwrap_or_default();
        if let Some(mut kept) = self.lock_kept() {
            kept.every_response.insert(item.to_string(), loaded.clone());
        }
        Ok(loaded)
    }

    /// Loads every readable force's responses to these items (with their action counts, where
    /// the document asks for them) in one statement, and keeps them, so that each item finds
    /// its responses at once.
    pub async fn load_every_response(&self, items: Vec<String>) -> async_graphql::Result<()> {
        let mut responses = crate::schema::responses::every_response_of_items(
            self.item_responses.loader(),
            items.clone(),
        )
        .await?;
        if let Some(mut kept) = self.lock_kept() {
            for item in items {
                let loaded = responses.remove(&item).unwrap_or_default();
                kept.every_response.insert(item, loaded);
            }
        }
        Ok(())
    }

    /// Whether objects built in place are written as JSON text (see [`Loaders::new`]'s
    /// `selected`): the answer is then written with [`eager::JsonText`].
    pub fn answers_in_json(&self) -> bool {
        self.json
    }

    /// Whether this operation keeps what it loads (a query does, a mutation does not): loading
    /// ahead is worth it only then.
    pub fn keeps(&self) -> bool {
        self.kept.is_some()
    }

    /// What this query keeps; `None` in a mutation (nothing is kept).
    fn lock_kept(&self) -> Option<std::sync::MutexGuard<'_, Kept>> {
        Some(
            self.kept
                .as_ref()?
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// What this query keeps in `slot` for the pair; `None` in a mutation (nothing is kept).
    fn kept<T: Clone>(
        &self,
        slot: impl FnOnce(&Kept) -> &ByPair<T>,
        force: &str,
        inspection: &str,
    ) -> Option<T> {
        let kept = self.lock_kept()?;
        slot(&kept).get(force)?.get(inspection).cloned()
    }

    /// Keeps what was loaded in `slot` (nothing in a mutation).
    fn keep<T>(
        &self,
        slot: impl FnOnce(&mut Kept) -> &mut ByPair<T>,
        loaded: impl IntoIterator<Item = ((String, String), T)>,
    ) {
        let Some(mut kept) = self.lock_kept() else {
            return;
        };
        let slot = slot(&mut kept);
        for ((force, inspection), value) in loaded {
            slot.entry(force).or_default().insert(inspection, value);
        }
    }
}

/// What was `kept` for a (force, inspection) pair (`Some(None)`: kept as absent), else what
/// `loader` loads for it.
async fn kept_or_load<L>(
    kept: Option<Option<L::Value>>,
    loader: &DataLoader<L>,
    force: String,
    inspection: &str,
) -> async_graphql::Result<Option<L::Value>>
where
    L: async_graphql::dataloader::Loader<(String, String), Error = async_graphql::Error>,
{
    match kept {
        Some(kept) => Ok(kept),
        None => loader.load_one((force, inspection.to_string())).await,
    }
}

/// Turns a loader's batch lets the request's resolvers take before it loads: enough for a
/// list to register every key of its level (a list registers 32 siblings per turn).
const BATCH_TURNS: usize = 64;

/// A loader that waits a millisecond, so that branches whose own loads finish a little apart
/// add their keys to the same batch, and then lets the request's resolvers take their turns on
/// this (single-threaded) worker before it loads. The timer alone split one batch into two
/// when the machine was busy: it fired between the turns of a long list, and a query's
/// statement count then depended on the load of the machine.
/// None caches: each operation has loaders of its own, and what a query keeps (action counts,
/// a force's item responses) it keeps in `Loaders`.
fn batched<T: Send + Sync + 'static>(loader: T) -> DataLoader<T> {
    DataLoader::new(loader, |batch| {
        tokio::task::spawn_local(async move {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            for _ in 0..BATCH_TURNS {
                tokio::task::yield_now().await;
            }
            batch.await
        })
    })
    .delay(std::time::Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_cache_answers_as_the_check_does_and_stays_bounded() {
        let cache = QueryCache::default();
        let query = "{ forces { id } }";
        let first = cache.check(query).unwrap();
        let again = cache.check(query).unwrap();
        assert!(!first.mutation && !again.mutation);
        assert_eq!(
            format!("{:?}", first.doc.unwrap().operations),
            format!("{:?}", again.doc.unwrap().operations)
        );
        let mutation = "mutation { deleteInspection(id: \"x\") }";
        assert!(cache.check(mutation).unwrap().mutation);
        assert!(cache.check(mutation).unwrap().mutation);
        // Refused queries are refused every time and not kept; unparsable ones are not kept.
        let many = format!("{{ {} }}", "forces { id } ".repeat(MAX_SELECTIONS));
        assert!(cache.check(&many).is_err());
        assert!(cache.check(&many).is_err());
        assert!(cache.check("{ broken").unwrap().doc.is_none());
        assert_eq!(cache.parsed.lock().unwrap().len(), 2);
        for i in 0..QueryCache::CAPACITY * 2 {
            cache
                .check(&format!("{{ f{i}: forces {{ id }} }}"))
                .unwrap();
            assert!(cache.parsed.lock().unwrap().len() <= QueryCache::CAPACITY);
        }
    }
}
