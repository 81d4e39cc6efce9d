// @generated automatically by Diesel CLI.

diesel::table! {
    alert_deliveries (id) {
        id -> Uuid,
        episode_id -> Uuid,
        channel -> Text,
        recipient_id -> Nullable<Uuid>,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        delivered_at -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    alert_episodes (id) {
        id -> Uuid,
        organization_id -> Uuid,
        kind -> Text,
        episode_key -> Text,
        first_event_id -> Int8,
        first_at -> Timestamptz,
        last_event_id -> Int8,
        last_at -> Timestamptz,
        events -> Int8,
        peak -> Int8,
        patient_ids -> Array<Uuid>,
        actor_id -> Nullable<Uuid>,
        patient_id -> Nullable<Uuid>,
        subject_user_id -> Nullable<Uuid>,
        client_ip -> Nullable<Text>,
        resource_id -> Nullable<Text>,
        raised_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    alert_watch (only_row) {
        only_row -> Bool,
        through_event_id -> Int8,
        through_verification_id -> Int8,
    }
}

diesel::table! {
    alert_watch_gaps (event_id) {
        event_id -> Int8,
        noted_at -> Timestamptz,
    }
}

diesel::table! {
    amendments (id) {
        id -> Uuid,
        organization_id -> Uuid,
        patient_id -> Uuid,
        item_kind -> Text,
        item_id -> Uuid,
        request_sealed -> Bytea,
        requested_at -> Timestamptz,
        due_on -> Date,
        extended_on -> Nullable<Date>,
        extension_sealed -> Nullable<Bytea>,
        status -> Text,
        decided_by -> Nullable<Uuid>,
        decided_at -> Nullable<Timestamptz>,
        decision_sealed -> Nullable<Bytea>,
        addendum_id -> Nullable<Uuid>,
        disagreement_at -> Nullable<Timestamptz>,
        disagreement_sealed -> Nullable<Bytea>,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Int8,
        occurred_at -> Timestamptz,
        organization_id -> Nullable<Uuid>,
        actor_id -> Nullable<Uuid>,
        actor_role -> Nullable<Text>,
        client_ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        session_hash -> Nullable<Text>,
        request_id -> Nullable<Text>,
        action -> Text,
        resource_type -> Nullable<Text>,
        resource_id -> Nullable<Text>,
        patient_id -> Nullable<Uuid>,
        subject_user_id -> Nullable<Uuid>,
        outcome -> Text,
        reason -> Nullable<Text>,
        details -> Jsonb,
        prev_hash -> Bytea,
        hash -> Bytea,
        lane -> Int2,
    }
}

diesel::table! {
    audit_alert_reviews (organization_id, alert_key) {
        organization_id -> Uuid,
        alert_key -> Text,
        through_event_id -> Int8,
        reviewed_by -> Uuid,
        reviewed_at -> Timestamptz,
        note -> Nullable<Text>,
        id -> Uuid,
        note_sealed -> Nullable<Bytea>,
    }
}

diesel::table! {
    audit_tally (organization_id, quarter, action, outcome, actor_id) {
        organization_id -> Uuid,
        quarter -> Timestamptz,
        action -> Text,
        outcome -> Text,
        actor_id -> Nullable<Uuid>,
        events -> Int8,
    }
}

diesel::table! {
    audit_verifications (id) {
        id -> Int8,
        verified_at -> Timestamptz,
        events -> Int8,
        ok -> Bool,
        problem -> Nullable<Text>,
        head_id -> Nullable<Int8>,
    }
}

diesel::table! {
    care_team (patient_id, therapist_id) {
        patient_id -> Uuid,
        therapist_id -> Uuid,
        organization_id -> Uuid,
        added_by -> Uuid,
        added_at -> Timestamptz,
    }
}

diesel::table! {
    clinical_notes (id) {
        id -> Uuid,
        organization_id -> Uuid,
        patient_id -> Uuid,
        author_id -> Uuid,
        kind -> Text,
        template -> Text,
        session_date -> Date,
        body_sealed -> Bytea,
        status -> Text,
        version -> Int4,
        shared_with_team -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        signed_at -> Nullable<Timestamptz>,
        deleted_at -> Nullable<Timestamptz>,
        sud_counseling -> Bool,
    }
}

diesel::table! {
    configured_keys (kind, fingerprint) {
        kind -> Text,
        fingerprint -> Bytea,
        version -> Int4,
        first_seen -> Timestamptz,
        last_seen -> Timestamptz,
    }
}

diesel::table! {
    consent_templates (id) {
        id -> Uuid,
        organization_id -> Uuid,
        series -> Uuid,
        version -> Int4,
        kind -> Text,
        title -> Text,
        body -> Text,
        body_sha256 -> Bytea,
        created_by -> Uuid,
        created_at -> Timestamptz,
        retired_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    consents (id) {
        id -> Uuid,
        organization_id -> Uuid,
        patient_id -> Uuid,
        template_id -> Uuid,
        text_sha256 -> Bytea,
        signed_at -> Timestamptz,
        method -> Text,
        recorded_by -> Uuid,
        body_sealed -> Bytea,
        expires_on -> Nullable<Date>,
        revoked_at -> Nullable<Timestamptz>,
        revoked_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    data_key_destructions (key_id) {
        key_id -> Int4,
        organization_id -> Uuid,
        patient_id -> Nullable<Uuid>,
        purpose -> Text,
        created_at -> Timestamptz,
        retired_at -> Timestamptz,
        destroyed_at -> Timestamptz,
        destroyed_by -> Text,
    }
}

diesel::table! {
    data_keys (id) {
        id -> Int4,
        organization_id -> Uuid,
        patient_id -> Nullable<Uuid>,
        kek_version -> Int4,
        wrapped -> Bytea,
        created_at -> Timestamptz,
        retired_at -> Nullable<Timestamptz>,
        purpose -> Text,
    }
}

diesel::table! {
    diagnoses (id) {
        id -> Uuid,
        organization_id -> Uuid,
        patient_id -> Uuid,
        body_sealed -> Bytea,
        status -> Text,
        onset_date -> Date,
        resolved_date -> Nullable<Date>,
        recorded_by -> Uuid,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    disclosures (id) {
        id -> Uuid,
        organization_id -> Uuid,
        patient_id -> Uuid,
        disclosed_on -> Date,
        body_sealed -> Bytea,
        by_copy -> Bool,
        recorded_by -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    emergency_access (id) {
        id -> Uuid,
        organization_id -> Uuid,
        patient_id -> Uuid,
        user_id -> Uuid,
        reason -> Nullable<Text>,
        started_at -> Timestamptz,
        expires_at -> Timestamptz,
        reason_sealed -> Nullable<Bytea>,
    }
}

diesel::table! {
    erasure_requests (id) {
        id -> Uuid,
        organization_id -> Uuid,
        patient_id -> Uuid,
        requested_at -> Timestamptz,
        possible_on -> Date,
        held -> Bool,
    }
}

diesel::table! {
    identity_corrections (id) {
        id -> Uuid,
        organization_id -> Uuid,
        patient_id -> Uuid,
        body_sealed -> Bytea,
        corrected_by -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    insurance_policies (id) {
        id -> Uuid,
        organization_id -> Uuid,
        patient_id -> Uuid,
        body_sealed -> Bytea,
        is_primary -> Bool,
        recorded_by -> Uuid,
        created_at -> Timestamptz,
        ended_at -> Nullable<Timestamptz>,
        ended_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    invitations (id) {
        id -> Uuid,
        token_hash -> Bytea,
        user_id -> Uuid,
        invited_by -> Uuid,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    legal_holds (id) {
        id -> Uuid,
        organization_id -> Uuid,
        patient_id -> Uuid,
        reason_sealed -> Bytea,
        placed_by -> Uuid,
        placed_at -> Timestamptz,
        lifted_by -> Nullable<Uuid>,
        lifted_at -> Nullable<Timestamptz>,
        lift_reason_sealed -> Nullable<Bytea>,
    }
}

diesel::table! {
    measure_assignments (id) {
        id -> Uuid,
        organization_id -> Uuid,
        patient_id -> Uuid,
        instrument -> Text,
        schedule -> Text,
        first_due -> Date,
        assigned_by -> Uuid,
        created_at -> Timestamptz,
        stopped_at -> Nullable<Timestamptz>,
        stopped_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    measure_responses (id) {
        id -> Uuid,
        organization_id -> Uuid,
        patient_id -> Uuid,
        assignment_id -> Uuid,
        due_on -> Date,
        answers_sealed -> Bytea,
        saved_at -> Timestamptz,
        submitted_at -> Nullable<Timestamptz>,
        needs_review -> Bool,
        acknowledged_at -> Nullable<Timestamptz>,
        acknowledged_by -> Nullable<Uuid>,
        acknowledgement_sealed -> Nullable<Bytea>,
        notified_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    mfa_enrollments (user_id) {
        user_id -> Uuid,
        secret_sealed -> Bytea,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    mfa_factors (user_id) {
        user_id -> Uuid,
        secret_sealed -> Bytea,
        enrolled_at -> Timestamptz,
        last_step -> Int8,
    }
}

diesel::table! {
    passkeys (id) {
        id -> Uuid,
        organization_id -> Uuid,
        user_id -> Uuid,
        credential_id -> Bytea,
        name -> Text,
        passkey -> Jsonb,
        created_at -> Timestamptz,
        last_used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    note_addenda (id) {
        id -> Uuid,
        organization_id -> Uuid,
        patient_id -> Uuid,
        note_id -> Uuid,
        author_id -> Uuid,
        body_sealed -> Bytea,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    organizations (id) {
        id -> Uuid,
        name -> Text,
        slug -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        time_zone -> Text,
        crisis_resources -> Nullable<Text>,
        patients_see_scores -> Bool,
        retention_years -> Int4,
        age_of_majority -> Int4,
    }
}

diesel::table! {
    patient_erasures (patient_id) {
        patient_id -> Uuid,
        organization_id -> Uuid,
        record_created_at -> Timestamptz,
        last_activity -> Date,
        kept_until -> Date,
        erased_at -> Timestamptz,
        erased_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    patients (id) {
        id -> Uuid,
        organization_id -> Uuid,
        user_id -> Nullable<Uuid>,
        legal_name_sealed -> Bytea,
        legal_name_index -> Bytea,
        preferred_name_sealed -> Nullable<Bytea>,
        pronouns_sealed -> Nullable<Bytea>,
        date_of_birth_sealed -> Bytea,
        date_of_birth_index -> Bytea,
        sex_gender_sealed -> Nullable<Bytea>,
        email_sealed -> Nullable<Bytea>,
        email_index -> Nullable<Bytea>,
        phone_sealed -> Nullable<Bytea>,
        phone_index -> Nullable<Bytea>,
        address_sealed -> Nullable<Bytea>,
        emergency_contact_sealed -> Nullable<Bytea>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
        deleted_by -> Nullable<Uuid>,
        language_sealed -> Nullable<Bytea>,
    }
}

diesel::table! {
    recovery_codes (id) {
        id -> Uuid,
        user_id -> Uuid,
        code_hash -> Text,
        created_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    security_events (id) {
        id -> Uuid,
        user_id -> Uuid,
        kind -> Text,
        ip -> Nullable<Text>,
        device -> Nullable<Text>,
        created_at -> Timestamptz,
        dismissed_at -> Nullable<Timestamptz>,
        emailed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    sessions (id_hash) {
        id_hash -> Bytea,
        data -> Jsonb,
        user_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
        last_seen_at -> Timestamptz,
        idle_timeout_secs -> Int4,
        absolute_expires_at -> Timestamptz,
        expires_at -> Timestamptz,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
    }
}

diesel::table! {
    safety_plans (id) {
        id -> Uuid,
        organization_id -> Uuid,
        patient_id -> Uuid,
        body_sealed -> Bytea,
        version -> Int4,
        updated_by -> Uuid,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    treatment_plans (id) {
        id -> Uuid,
        organization_id -> Uuid,
        patient_id -> Uuid,
        body_sealed -> Bytea,
        review_date -> Date,
        version -> Int4,
        updated_by -> Uuid,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        organization_id -> Uuid,
        email -> Nullable<Text>,
        display_name -> Nullable<Text>,
        role -> Text,
        status -> Text,
        password_hash -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        failed_sign_ins -> Int4,
        locked_until -> Nullable<Timestamptz>,
        failed_codes -> Int4,
        email_index -> Nullable<Bytea>,
        email_sealed -> Nullable<Bytea>,
        display_name_sealed -> Nullable<Bytea>,
        last_signed_in_at -> Nullable<Timestamptz>,
        active_since -> Timestamptz,
    }
}

diesel::joinable!(alert_deliveries -> alert_episodes (episode_id));
diesel::joinable!(alert_deliveries -> users (recipient_id));
diesel::joinable!(alert_episodes -> organizations (organization_id));
diesel::joinable!(audit_tally -> organizations (organization_id));
diesel::joinable!(audit_alert_reviews -> organizations (organization_id));
diesel::joinable!(audit_alert_reviews -> users (reviewed_by));
diesel::joinable!(care_team -> patients (patient_id));
diesel::joinable!(clinical_notes -> patients (patient_id));
diesel::joinable!(clinical_notes -> users (author_id));
diesel::joinable!(consents -> consent_templates (template_id));
diesel::joinable!(data_keys -> organizations (organization_id));
diesel::joinable!(measure_responses -> measure_assignments (assignment_id));
diesel::joinable!(mfa_enrollments -> users (user_id));
diesel::joinable!(mfa_factors -> users (user_id));
diesel::joinable!(note_addenda -> clinical_notes (note_id));
diesel::joinable!(passkeys -> users (user_id));
diesel::joinable!(patients -> organizations (organization_id));
diesel::joinable!(patients -> users (user_id));
diesel::joinable!(recovery_codes -> users (user_id));
diesel::joinable!(security_events -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(users -> organizations (organization_id));

diesel::allow_tables_to_appear_in_same_query!(
    alert_deliveries,
    alert_episodes,
    alert_watch,
    alert_watch_gaps,
    amendments,
    audit_alert_reviews,
    audit_events,
    audit_tally,
    audit_verifications,
    care_team,
    clinical_notes,
    configured_keys,
    consent_templates,
    consents,
    data_key_destructions,
    data_keys,
    diagnoses,
    disclosures,
    emergency_access,
    erasure_requests,
    identity_corrections,
    insurance_policies,
    invitations,
    legal_holds,
    measure_assignments,
    measure_responses,
    mfa_enrollments,
    passkeys,
    mfa_factors,
    note_addenda,
    organizations,
    patient_erasures,
    patients,
    recovery_codes,
    safety_plans,
    security_events,
    sessions,
    treatment_plans,
    users,
);
