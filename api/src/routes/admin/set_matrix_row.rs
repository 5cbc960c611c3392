//! `PUT /v1/admin/access-matrix/{profession}`: the Office replaces a profession's row of
//! the access matrix (`{"data_types": [...]}`); the change is audited with before and after.

use std::collections::BTreeSet;

use actix_web::{web, HttpResponse};
use chrono::Utc;
use ehealth_core::actions::provider_lifecycle;
use ehealth_core::context::Services;
use ehealth_core::domain::{AccountRole, DataType, Profession};
use serde::Deserialize;
use serde_json::json;

use crate::http::errors::{blocking, ApiError};
use crate::routes::hcp::staff::AccountSession;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RowBody {
    pub data_types: Vec<String>,
}

#[utoipa::path(put, path = "/v1/admin/access-matrix/{profession}", tag = "admin", security(("bearer" = [])), request_body = RowBody, params(("profession" = String, Path, description = "one of the 13 professions")), responses((status = 200, description = "done", content_type = "application/json"), (status = 400, body = crate::routes::app::input::ErrorBody), (status = 401, body = crate::routes::app::input::ErrorBody), (status = 403, body = crate::routes::app::input::ErrorBody)))]
pub async fn handle(
    services: web::Data<Services>,
    session: AccountSession,
    path: web::Path<String>,
    body: web::Json<RowBody>,
) -> Result<HttpResponse, ApiError> {
    let profession = Profession::parse(&path.into_inner())?;
    let types: BTreeSet<DataType> = DataType::parse_list("data_types", &body.data_types)?;
    let row = blocking(move || {
        let mut conn = services.db.get()?;
        let office = session.authorise(&mut conn, AccountRole::Office)?;
        provider_lifecycle::set_matrix_row(&mut conn, &office, profession, &types, Utc::now())
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({ "profession": profession, "data_types": row })))
}
