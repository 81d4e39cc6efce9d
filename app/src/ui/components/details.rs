//! A patient's further details as staff and the patient read them
//! ([`DetailsList`]), and the fields that edit them ([`DetailsFields`]),
//! shared by the chart (the care team: every detail) and the portal (the
//! patient: their own parts).

use crate::{
    error::AppError,
    model::details::{
        COUNTRIES, EmergencyContact, GENDER_IDENTITIES, PRONOUNS, PatientDetails, SEXES_AT_BIRTH,
    },
    ui::components::{SelectField, Terms, TextField, field_error},
};
use leptos::prelude::*;

/// The details, one row each; "Not given" where there is none.
#[component]
pub fn DetailsList(details: PatientDetails) -> impl IntoView {
    let given = |value: Option<String>| value.unwrap_or_else(|| "Not given".to_owned());
    let mut rows = vec![
        ("Preferred name", given(details.preferred_name.clone())),
        ("Pronouns", given(details.pronouns.clone())),
    ];
    rows.push(("Gender identity", given(details.gender_identity.clone())));
    rows.push(("Sex assigned at birth", given(details.sex_at_birth.clone())));
    rows.push(("Preferred language", given(details.language.clone())));
    rows.push((
        "Address",
        given(details.address.as_ref().map(|a| a.lines().join(", "))),
    ));
    rows.push((
        "Emergency contact",
        given(details.emergency_contact.as_ref().map(contact_line)),
    ));
    view! {
        <Terms rows testid="details" />
    }
}

/// An emergency contact on one line, with whether they may be told the
/// patient is in care (what a clinician must know before calling).
pub fn contact_line(contact: &EmergencyContact) -> String {
    let who = if contact.relationship.is_empty() {
        contact.name.clone()
    } else {
        format!("{} ({})", contact.name, contact.relationship)
    };
    let told = if contact.may_disclose {
        "may be told the patient is in care here"
    } else {
        "must not be told the patient is in care here"
    };
    format!("{who}, {} — {told}", contact.phone)
}

/// The fields of the details form, filled with `details`; `care_team`
/// adds gender identity and sex assigned at birth. `last` is the form's
/// action's answer, for the messages beside the fields.
#[component]
pub fn DetailsFields<S>(details: PatientDetails, last: S, care_team: bool) -> impl IntoView
where
    S: Get<Value = Option<Result<(), AppError>>> + Copy + Send + Sync + 'static,
{
    let address = details.address.clone().unwrap_or_default();
    let country = if address.country.is_empty() {
        "US".to_owned()
    } else {
        address.country.clone()
    };
    let contact = details.emergency_contact.clone().unwrap_or_default();
    let legend = "text-base font-semibold";
    view! {
        <fieldset class="space-y-3">
            <legend class=legend>{if care_team { "How to address them" } else { "How to address you" }}</legend>
            <TextField name="preferred_name" label="Preferred name" error=field_error(last, "preferred_name") value=details.preferred_name.clone().unwrap_or_default() />
            <TextField name="pronouns" label="Pronouns" suggestions=PRONOUNS error=field_error(last, "pronouns") value=details.pronouns.clone().unwrap_or_default() />
            <TextField name="language" label="Preferred language" autocomplete="language" error=field_error(last, "language") value=details.language.clone().unwrap_or_default() />
        </fieldset>
        {care_team.then(|| view! {
            <fieldset class="space-y-3">
                <legend class=legend>"Gender (optional; the patient's own words)"</legend>
                <TextField name="gender_identity" label="Gender identity" suggestions=GENDER_IDENTITIES error=field_error(last, "gender_identity") value=details.gender_identity.clone().unwrap_or_default() />
                <SelectField name="sex_at_birth" label="Sex assigned at birth" error=field_error(last, "sex_at_birth")>
                    <option value="" selected=details.sex_at_birth.is_none()>"Not given"</option>
                    {SEXES_AT_BIRTH.iter().map(|sex| view! {
                        <option value=*sex selected=details.sex_at_birth.as_deref() == Some(*sex)>{*sex}</option>
                    }).collect_view()}
                </SelectField>
            </fieldset>
        })}
        <fieldset class="space-y-3">
            <legend class=legend>"Postal address"</legend>
            <TextField name="address_line1" label="Street address" autocomplete="address-line1" error=field_error(last, "address_line1") value=address.line1.clone() />
            <TextField name="address_line2" label="Apartment, suite or unit (optional)" autocomplete="address-line2" error=field_error(last, "address_line2") value=address.line2.clone() />
            <div class="grid gap-3 sm:grid-cols-2">
                <TextField name="city" label="Town or city" autocomplete="address-level2" error=field_error(last, "city") value=address.city.clone() />
                <TextField name="region" label="State, province or county" autocomplete="address-level1" error=field_error(last, "region") value=address.region.clone() />
                <TextField name="postal_code" label="Postal code" autocomplete="postal-code" error=field_error(last, "postal_code") value=address.postal_code.clone() />
                <SelectField name="country" label="Country" error=field_error(last, "country")>
                    {COUNTRIES.iter().map(|(code, name)| view! {
                        <option value=*code selected=country == *code>{*name}</option>
                    }).collect_view()}
                </SelectField>
            </div>
        </fieldset>
        <fieldset class="space-y-3">
            <legend class=legend>"Emergency contact"</legend>
            <TextField name="contact_name" label="Name" autocomplete="off" error=field_error(last, "contact_name") value=contact.name.clone() />
            <TextField name="contact_relationship" label="Relationship" autocomplete="off" error=field_error(last, "contact_relationship") value=contact.relationship.clone() />
            <TextField name="contact_phone" label="Phone" input_type="tel" autocomplete="off" error=field_error(last, "contact_phone") value=contact.phone.clone() />
            <label class="flex items-start gap-2 text-sm">
                <input type="checkbox" name="contact_may_disclose" value="yes" checked=contact.may_disclose class="mt-1" />
                <span>{if care_team { "They may be told that the patient is in care here" } else { "They may be told that you are in care here" }}</span>
            </label>
        </fieldset>
    }
}
