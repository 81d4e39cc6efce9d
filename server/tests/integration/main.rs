//! Integration tests: the real router and the real `cairn` binary against a
//! real PostgreSQL, one fresh database per test.

mod support;

mod access_review;
mod account_identity;
mod alerts;
mod amendments;
mod audit;
mod burst;
mod canary;
mod charts;
mod cli;
mod consents;
mod corrections;
mod database_tls;
mod details;
mod disclosures;
mod edge;
mod erasure;
mod exports;
mod health;
mod homes;
mod mail;
mod markup;
mod matrix;
mod measures;
mod mfa;
mod own_access;
mod pages;
mod passkeys;
mod people;
mod plans;
mod portal;
mod practice_export;
mod psychotherapy;
mod refusals;
mod renewals;
mod retention;
mod roles;
mod safety_plans;
mod schema;
mod security;
mod sessions;
mod sign_in;
mod time_zone;
mod vault;
