//! A [`RecordCopy`] as a FHIR R4 `Bundle` (type `collection`): the
//! `Patient`, a `Coverage` per insurance policy, a `Condition` per
//! diagnosis, the treatment plan and the safety plan as `CarePlan`s (the
//! treatment plan's goals as `Goal`s), each questionnaire's total score as
//! an `Observation` and each signed note, addenda included, as a
//! `DocumentReference` holding its text, and each amendment the patient
//! asked for (decision and statement of disagreement included) as a
//! `DocumentReference` related to the item it is about. Entries refer to each other by
//! their `urn:uuid:` full URLs, so the bundle stands on its own; for bulk
//! data files ([`standalone`]) by type and id.
//!
//! FHIR has no empty values: an absent detail is left out, never sent as
//! `""` or `[]` ([`pruned`]). The test suite checks the output against the
//! published R4 schema (`end2end/fhir/validate.mjs`).

use crate::model::{
    amendment::{Amendment, AmendmentStatus, ItemKind},
    chart::DiagnosisStatus,
    details::{InsurancePolicy, Subscriber},
    measures::{Instrument, Trend},
    record::{CopiedNote, RecordCopy},
    safety_plan::SafetyPlan,
};
use base64::Engine;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use uuid::Uuid;

const LOINC: &str = "http://loinc.org";

/// The bundle of everything in `copy`.
pub fn bundle(copy: &RecordCopy) -> Value {
    let patient = copy.patient_id;
    let mut resources = vec![patient_resource(copy)];
    resources.extend(copy.insurance.iter().map(|p| coverage(patient, p)));
    resources.extend(copy.diagnoses.iter().map(|d| {
        json!({
            "resourceType": "Condition",
            "id": d.id.to_string(),
            "clinicalStatus": coded(
                "http://terminology.hl7.org/CodeSystem/condition-clinical",
                match d.status {
                    DiagnosisStatus::Active => "active",
                    DiagnosisStatus::Resolved => "resolved",
                },
                None,
            ),
            "code": {
                "coding": [{
                    "system": "http://hl7.org/fhir/sid/icd-10-cm",
                    "code": d.code,
                    "display": d.description,
                }],
                "text": d.description,
            },
            "subject": reference(patient),
            "onsetDateTime": d.onset_date,
            "abatementDateTime": d.resolved_date,
            "recorder": { "display": d.recorded_by },
        })
    }));
    if let Some(plan) = &copy.treatment_plan {
        let goals: Vec<Uuid> = (0..plan.goals.len())
            .map(|i| derived(patient, &format!("goal-{i}")))
            .collect();
        resources.extend(plan.goals.iter().zip(&goals).map(|(goal, id)| {
            json!({
                "resourceType": "Goal",
                "id": id.to_string(),
                "lifecycleStatus": "active",
                "description": { "text": goal },
                "subject": reference(patient),
            })
        }));
        let mut notes: Vec<Value> = plan
            .objectives
            .iter()
            .map(|o| json!({ "text": format!("Objective: {o}") }))
            .collect();
        notes.push(json!({ "text": format!("Next review: {}", plan.review_date) }));
        resources.push(json!({
            "resourceType": "CarePlan",
            "id": derived(patient, "treatment-plan").to_string(),
            "status": "active",
            "intent": "plan",
            "title": "Treatment plan",
            "subject": reference(patient),
            "author": { "display": plan.updated_by },
            "goal": goals.iter().map(|id| reference(*id)).collect::<Vec<_>>(),
            "activity": plan.interventions.iter().map(|i| json!({
                "detail": { "status": "in-progress", "description": i },
            })).collect::<Vec<_>>(),
            "note": notes,
        }));
    }
    if let Some(plan) = &copy.safety_plan {
        resources.push(safety_plan(patient, plan));
    }
    resources.extend(copy.measures.iter().flat_map(|t| observations(patient, t)));
    resources.extend(copy.notes.iter().map(|n| document(patient, n)));
    resources.extend(copy.amendments.iter().map(|a| amendment(patient, a)));
    let entries: Vec<Value> = resources
        .into_iter()
        .map(|resource| {
            let id = resource["id"].as_str().unwrap_or_default().to_owned();
            json!({ "fullUrl": format!("urn:uuid:{id}"), "resource": resource })
        })
        .collect();
    pruned(json!({
        "resourceType": "Bundle",
        "id": derived(patient, &copy.made_at_utc).to_string(),
        "type": "collection",
        "timestamp": copy.made_at_utc,
        "entry": entries,
    }))
}

/// The patient: legal name (official) and the name they go by (usual),
/// contact, address, language, gender identity, pronouns and sex assigned
/// at birth (as the extensions HL7 publishes for them), and the emergency
/// contact.
fn patient_resource(copy: &RecordCopy) -> Value {
    let me = &copy.patient;
    let details = &me.details;
    let mut names = vec![json!({ "use": "official", "text": me.legal_name })];
    if let Some(preferred) = &details.preferred_name {
        names.push(json!({ "use": "usual", "text": preferred }));
    }
    let mut extensions = Vec::new();
    if let Some(gender) = &details.gender_identity {
        extensions.push(json!({
            "url": "http://hl7.org/fhir/StructureDefinition/patient-genderIdentity",
            "valueCodeableConcept": { "text": gender },
        }));
    }
    if let Some(pronouns) = &details.pronouns {
        extensions.push(json!({
            "url": "http://hl7.org/fhir/StructureDefinition/individual-pronouns",
            "extension": [{ "url": "value", "valueCodeableConcept": { "text": pronouns } }],
        }));
    }
    if let Some(sex) = &details.sex_at_birth {
        extensions.push(json!({
            "url": "http://hl7.org/fhir/StructureDefinition/individual-recordedSexOrGender",
            "extension": [
                { "url": "value", "valueCodeableConcept": { "text": sex } },
                { "url": "type", "valueCodeableConcept": coded(LOINC, "76689-9", Some("Sex assigned at birth")) },
            ],
        }));
    }
    let mut telecom = Vec::new();
    if let Some(email) = &me.email {
        telecom.push(json!({ "system": "email", "value": email }));
    }
    if let Some(phone) = &me.phone {
        telecom.push(json!({ "system": "phone", "value": phone }));
    }
    let address = details.address.as_ref().map(|a| {
        let lines: Vec<&String> = [&a.line1, &a.line2]
            .into_iter()
            .filter(|l| !l.is_empty())
            .collect();
        json!([{
            "line": lines,
            "city": a.city,
            "state": a.region,
            "postalCode": a.postal_code,
            "country": a.country,
        }])
    });
    let contact = details.emergency_contact.as_ref().map(|c| {
        json!([{
            "extension": [{
                "url": "urn:cairn:fhir:may-be-told-in-care",
                "valueBoolean": c.may_disclose,
            }],
            "relationship": [
                coded("http://terminology.hl7.org/CodeSystem/v2-0131", "C", Some("Emergency Contact")),
                { "text": c.relationship },
            ],
            "name": { "text": c.name },
            "telecom": [{ "system": "phone", "value": c.phone }],
        }])
    });
    let language = details
        .language
        .as_ref()
        .map(|l| json!([{ "language": { "text": l }, "preferred": true }]));
    json!({
        "resourceType": "Patient",
        "id": copy.patient_id.to_string(),
        "extension": extensions,
        "name": names,
        "birthDate": me.date_of_birth,
        "telecom": telecom,
        "address": address,
        "contact": contact,
        "communication": language,
    })
}

fn coverage(patient: Uuid, policy: &InsurancePolicy) -> Value {
    let (relationship, subscriber) = match &policy.subscriber {
        Subscriber::Patient => ("self", Some(reference(patient))),
        Subscriber::Other {
            name,
            date_of_birth,
        } => (
            "other",
            Some(json!({ "display": format!("{name} (born {date_of_birth})") })),
        ),
    };
    let class = policy.group_number.as_ref().map(|group| {
        json!([{
            "type": coded("http://terminology.hl7.org/CodeSystem/coverage-class", "group", None),
            "value": group,
        }])
    });
    json!({
        "resourceType": "Coverage",
        "id": policy.id.to_string(),
        "status": if policy.in_use { "active" } else { "cancelled" },
        "subscriber": subscriber,
        "subscriberId": policy.member_id,
        "beneficiary": reference(patient),
        "relationship": coded(
            "http://terminology.hl7.org/CodeSystem/subscriber-relationship",
            relationship,
            None,
        ),
        "period": { "start": policy.effective_from, "end": policy.effective_to },
        "payor": [{ "display": policy.payer }],
        "class": class,
        "order": policy.primary.then_some(1),
    })
}

/// The safety plan: one activity per line, under its step's heading.
fn safety_plan(patient: Uuid, plan: &SafetyPlan) -> Value {
    let activities: Vec<Value> = plan
        .steps
        .iter()
        .flat_map(|(step, lines)| {
            lines.iter().map(move |line| {
                json!({
                    "detail": {
                        "code": { "text": step.title() },
                        "status": "in-progress",
                        "description": line,
                    },
                })
            })
        })
        .collect();
    json!({
        "resourceType": "CarePlan",
        "id": derived(patient, "safety-plan").to_string(),
        "status": "active",
        "intent": "plan",
        "category": [{ "text": "Safety plan" }],
        "title": "Safety plan",
        "subject": reference(patient),
        "author": { "display": plan.updated_by },
        "activity": activities,
    })
}

/// Each answered questionnaire's total score.
fn observations(patient: Uuid, trend: &Trend) -> Vec<Value> {
    let (code, display) = match trend.instrument {
        Instrument::Phq9 => (
            "44261-6",
            "Patient Health Questionnaire 9 item (PHQ-9) total score",
        ),
        Instrument::Gad7 => (
            "70274-6",
            "Generalized anxiety disorder 7 item (GAD-7) total score",
        ),
    };
    trend
        .points
        .iter()
        .map(|point| {
            json!({
                "resourceType": "Observation",
                "id": point.response_id.to_string(),
                "status": "final",
                "category": [coded(
                    "http://terminology.hl7.org/CodeSystem/observation-category",
                    "survey",
                    Some("Survey"),
                )],
                "code": coded(LOINC, code, Some(display)),
                "subject": reference(patient),
                "effectiveDateTime": point.on,
                "valueInteger": point.total,
            })
        })
        .collect()
}

/// A signed progress note, its addenda appended, as a plain-text document;
/// a note of substance-use counseling carries the security label that
/// says 42 CFR Part 2 governs it (and forbids redisclosure without consent).
fn document(patient: Uuid, note: &CopiedNote) -> Value {
    let text = base64::engine::general_purpose::STANDARD.encode(note.text());
    let mut document = document_of(patient, note, text);
    if note.sud {
        document["meta"] = json!({
            "security": [{
                "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                "code": "42CFRPart2",
                "display": "42 CFR Part2",
            }],
        });
    }
    document
}

fn document_of(patient: Uuid, note: &CopiedNote, text: String) -> Value {
    json!({
        "resourceType": "DocumentReference",
        "id": note.id.to_string(),
        "status": "current",
        "docStatus": "final",
        "type": coded(LOINC, "11506-3", Some("Progress note")),
        "subject": reference(patient),
        "date": note.signed_at_utc,
        "author": [{ "display": note.author }],
        "description": format!("Progress note ({}), session of {}", note.template.label(), note.session_date),
        "content": [{
            "attachment": {
                "contentType": "text/plain; charset=utf-8",
                "data": text,
                "title": format!("Progress note, {}", note.session_date),
                "creation": note.signed_at_utc,
            },
        }],
    })
}

/// An amendment the patient asked for, with its decision and any statement
/// of disagreement, as a document related to the item it is about (the
/// `Patient` for their details), so it travels with that item.
fn amendment(patient: Uuid, amendment: &Amendment) -> Value {
    let item = match amendment.item_kind {
        ItemKind::Details => patient,
        ItemKind::Plan => derived(patient, "treatment-plan"),
        ItemKind::Diagnosis | ItemKind::Note => amendment.item_id,
    };
    let outcome = match amendment.status {
        AmendmentStatus::Pending => "awaiting a decision",
        AmendmentStatus::Accepted => "accepted",
        AmendmentStatus::Denied if amendment.disagreement.is_some() => {
            "denied; the patient disagrees"
        }
        AmendmentStatus::Denied => "denied",
    };
    let text = base64::engine::general_purpose::STANDARD.encode(amendment.text());
    json!({
        "resourceType": "DocumentReference",
        "id": amendment.id.to_string(),
        "status": "current",
        "type": { "text": "Request for amendment (HIPAA 164.526)" },
        "subject": reference(patient),
        "description": format!("Amendment of {}: {outcome}", amendment.item_label),
        "content": [{
            "attachment": {
                "contentType": "text/plain; charset=utf-8",
                "data": text,
                "title": format!("Amendment requested {}", amendment.requested_at),
            },
        }],
        "context": { "related": [reference(item)] },
    })
}

/// The resources of `bundle` (one of [`bundle`]'s) each standing alone,
/// with their types, for bulk data files (NDJSON, a file per type): no
/// bundle holds them together there, so a reference between them names
/// its resource by type and id (`Patient/…`) instead of by full URL.
pub fn standalone(bundle: &Value) -> Vec<(String, Value)> {
    let resources: Vec<Value> = bundle["entry"]
        .as_array()
        .map(|entries| entries.iter().map(|e| e["resource"].clone()).collect())
        .unwrap_or_default();
    let types: HashMap<String, String> = resources
        .iter()
        .filter_map(|r| Some((r["id"].as_str()?.to_owned(), kind_of(r)?)))
        .collect();
    resources
        .into_iter()
        .filter_map(|mut resource| {
            relink(&mut resource, &types);
            Some((kind_of(&resource)?, resource))
        })
        .collect()
}

fn kind_of(resource: &Value) -> Option<String> {
    resource["resourceType"].as_str().map(str::to_owned)
}

/// Every `reference` in `value` to a resource of `types` by full URL,
/// rewritten as `Type/id`.
fn relink(value: &mut Value, types: &HashMap<String, String>) {
    match value {
        Value::Object(fields) => {
            for (key, field) in fields.iter_mut() {
                match field {
                    Value::String(target) if key == "reference" => {
                        let kind = target
                            .strip_prefix("urn:uuid:")
                            .and_then(|id| Some((id.to_owned(), types.get(id)?)));
                        if let Some((id, kind)) = kind {
                            *target = format!("{kind}/{id}");
                        }
                    }
                    other => relink(other, types),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| relink(item, types)),
        _ => {}
    }
}

fn reference(id: Uuid) -> Value {
    json!({ "reference": format!("urn:uuid:{id}") })
}

fn coded(system: &str, code: &str, display: Option<&str>) -> Value {
    json!({ "coding": [{ "system": system, "code": code, "display": display }] })
}

/// A stable id for a part of the record that has none of its own (a plan
/// is one per patient): the same in every export, so a resumed or repeated
/// export names it the same.
fn derived(patient: Uuid, what: &str) -> Uuid {
    let hash = Sha256::new()
        .chain_update(patient.as_bytes())
        .chain_update(what.as_bytes())
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&hash[..16]);
    // Version 8 (custom), RFC 9562 variant.
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    Uuid::from_bytes(bytes)
}

/// `value` without nulls, empty strings, empty lists or empty objects, at
/// any depth (FHIR allows none of them).
fn pruned(value: Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(pruned)
                .filter(|v| !is_empty(v))
                .collect(),
        ),
        Value::Object(fields) => Value::Object(
            fields
                .into_iter()
                .map(|(k, v)| (k, pruned(v)))
                .filter(|(_, v)| !is_empty(v))
                .collect(),
        ),
        other => other,
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_empty_is_left_in() {
        let value = pruned(json!({
            "a": "", "b": null, "c": [], "d": {}, "e": [{ "f": "" }],
            "g": { "h": [null, "x"] }, "i": false, "j": 0,
        }));
        assert_eq!(value, json!({ "g": { "h": ["x"] }, "i": false, "j": 0 }));
    }

    #[test]
    fn standalone_resources_refer_by_type_and_id() {
        let patient = Uuid::from_u128(1);
        let condition = Uuid::from_u128(2);
        let elsewhere = Uuid::from_u128(3);
        let bundle = json!({
            "resourceType": "Bundle",
            "entry": [
                { "fullUrl": format!("urn:uuid:{patient}"), "resource": { "resourceType": "Patient", "id": patient.to_string() } },
                { "fullUrl": format!("urn:uuid:{condition}"), "resource": {
                    "resourceType": "Condition", "id": condition.to_string(),
                    "subject": reference(patient),
                    "evidence": [{ "detail": [reference(elsewhere)] }],
                } },
            ],
        });
        let alone = standalone(&bundle);
        let kinds: Vec<&str> = alone.iter().map(|(kind, _)| kind.as_str()).collect();
        assert_eq!(kinds, ["Patient", "Condition"]);
        let condition = &alone[1].1;
        assert_eq!(
            condition["subject"]["reference"],
            format!("Patient/{patient}")
        );
        // A reference to nothing in the bundle is left as it was.
        assert_eq!(
            condition["evidence"][0]["detail"][0]["reference"],
            format!("urn:uuid:{elsewhere}")
        );
    }

    #[test]
    fn derived_ids_are_stable_and_distinct() {
        let patient = Uuid::from_u128(7);
        assert_eq!(
            derived(patient, "safety-plan"),
            derived(patient, "safety-plan")
        );
        assert_ne!(
            derived(patient, "safety-plan"),
            derived(patient, "treatment-plan")
        );
        assert_ne!(
            derived(patient, "safety-plan"),
            derived(Uuid::from_u128(8), "safety-plan")
        );
        assert_eq!(derived(patient, "x").get_version_num(), 8);
    }
}
