//! Domain errors as GraphQL errors: the message is the REST problem's `detail`, and the
//! extensions carry its `code`, `status` and field `errors`.

use async_graphql::{ErrorExtensions, Name, Value};

use super::view::Convert;
use crate::error::AppError;

/// Turns service results into GraphQL results.
pub trait IntoGql<T> {
    /// The result, its error a GraphQL error.
    fn gql(self) -> async_graphql::Result<T>;

    /// The result as the GraphQL type over it (`view`), its error a GraphQL error.
    fn view<G: Convert<T>>(self) -> async_graphql::Result<G>;
}

impl<T> IntoGql<T> for Result<T, AppError> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|e| e.to_gql())
    }

    fn view<G: Convert<T>>(self) -> async_graphql::Result<G> {
        self.map(G::convert).map_err(|e| e.to_gql())
    }
}

/// [`IntoGql`] for one error.
pub trait ToGql {
    fn to_gql(&self) -> async_graphql::Error;
}

impl ToGql for AppError {
    fn to_gql(&self) -> async_graphql::Error {
        self.log();
        let code = self.code();
        let status = self.status();
        let errors = self.field_errors();
        async_graphql::Error::new(self.detail()).extend_with(|_, ext| {
            ext.set("code", code);
            ext.set("status", status);
            if let Some(errors) = &errors {
                let list: Vec<Value> = errors
                    .iter()
                    .map(|e| {
                        let mut m = async_graphql::indexmap::IndexMap::new();
                        m.insert(Name::new("field"), Value::from(e.field.clone()));
                        m.insert(Name::new("message"), Value::from(e.message.clone()));
                        Value::Object(m)
                    })
                    .collect();
                ext.set("errors", Value::List(list));
            }
        })
    }
}
