//! The tables, written by hand so that one schema serves both backends (SQL types common to
//! SQLite and PostgreSQL only: Text, Integer, BigInt, Bool, Date, Timestamp).

diesel::table! {
    forces (id) {
        id -> Text,
        name -> Text,
        country -> Text,
        kind -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    policing_bodies (id) {
        id -> Text,
        force_id -> Text,
        name -> Text,
        kind -> Text,
        valid_from -> Date,
        valid_to -> Nullable<Date>,
    }
}

diesel::table! {
    inspections (id) {
        id -> Text,
        title -> Text,
        published_on -> Date,
        publication_types -> Text,
        report_url -> Nullable<Text>,
        key_findings -> Text,
        all_forces -> Bool,
        section55_deadline -> Date,
        deadline_explicit -> Bool,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    inspection_forces (inspection_id, force_id) {
        inspection_id -> Text,
        force_id -> Text,
    }
}

diesel::table! {
    items (id) {
        id -> Text,
        inspection_id -> Text,
        kind -> Text,
        number -> Integer,
        text -> Text,
        to_chief_constables -> Bool,
        to_policing_bodies -> Bool,
        addressee_forces -> Text,
        other_bodies -> Text,
        due_on -> Nullable<Date>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    force_responses (force_id, inspection_id) {
        force_id -> Text,
        inspection_id -> Text,
        comments -> Text,
        status -> Text,
        submitted_at -> Nullable<Timestamp>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    item_responses (force_id, item_id) {
        force_id -> Text,
        item_id -> Text,
        inspection_id -> Text,
        acceptance -> Nullable<Text>,
        response -> Text,
        hmicfrs_status -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        actions_planned -> Integer,
        actions_in_progress -> Integer,
        actions_blocked -> Integer,
        actions_pending_sign_off -> Integer,
        actions_done -> Integer,
        actions_cancelled -> Integer,
        actions_open_due -> Text,
    }
}

diesel::table! {
    actions (id) {
        id -> Text,
        force_id -> Text,
        item_id -> Text,
        title -> Text,
        owner -> Text,
        due_on -> Nullable<Date>,
        status -> Text,
        rag -> Nullable<Text>,
        evidence -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        inspection_id -> Text,
        overdue_reminded -> Bool,
    }
}

diesel::table! {
    action_updates (id) {
        id -> Text,
        action_id -> Text,
        force_id -> Text,
        at -> Timestamp,
        author -> Text,
        status -> Nullable<Text>,
        note -> Text,
    }
}

diesel::table! {
    pcc_responses (force_id, inspection_id) {
        force_id -> Text,
        inspection_id -> Text,
        comments -> Text,
        status -> Text,
        revision -> Integer,
        published_at -> Nullable<Timestamp>,
        first_published_at -> Nullable<Timestamp>,
        forwarded_to_chief_constable_on -> Nullable<Date>,
        forwarded_to_police_and_crime_panel_on -> Nullable<Date>,
        submitted_to_hmicfrs_portal_on -> Nullable<Date>,
        sent_to_home_secretary_on -> Nullable<Date>,
        published_on_opcc_website_on -> Nullable<Date>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    pcc_response_revisions (force_id, inspection_id, revision) {
        force_id -> Text,
        inspection_id -> Text,
        revision -> Integer,
        comments -> Text,
        checklist -> Text,
        published_at -> Timestamp,
        published_by -> Text,
        chief_constable_submitted -> Bool,
        chief_constable_comments -> Nullable<Text>,
    }
}

diesel::table! {
    pcc_revision_answers (force_id, inspection_id, revision, item_id) {
        force_id -> Text,
        inspection_id -> Text,
        revision -> Integer,
        item_id -> Text,
        acceptance -> Nullable<Text>,
        response -> Text,
    }
}

diesel::table! {
    service_keys (name) {
        name -> Text,
        key -> Text,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        at -> Timestamp,
        actor -> Text,
        force_id -> Nullable<Text>,
        inspection_id -> Nullable<Text>,
        entity -> Text,
        entity_id -> Text,
        action -> Text,
        before -> Nullable<Text>,
        after -> Nullable<Text>,
    }
}

diesel::table! {
    reminders (kind, force_id, subject_id) {
        kind -> Text,
        force_id -> Text,
        subject_id -> Text,
        due_at -> Timestamp,
        emitted_at -> Timestamp,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Text,
        owner_sub -> Text,
        owner_issuer -> Nullable<Text>,
        principal -> Text,
        url -> Text,
        events -> Text,
        forces -> Text,
        active -> Bool,
        secret -> Text,
        position -> BigInt,
        next_at -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    webhook_deliveries (n) {
        n -> BigInt,
        id -> Text,
        webhook_id -> Text,
        event_id -> Nullable<BigInt>,
        kind -> Text,
        body -> Text,
        attempts -> Integer,
        status -> Text,
        response_status -> Nullable<Integer>,
        response_body -> Nullable<Text>,
        created_at -> Timestamp,
        first_attempt_at -> Nullable<Timestamp>,
        next_at -> Timestamp,
        at -> Timestamp,
    }
}

diesel::joinable!(policing_bodies -> forces (force_id));
diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(inspection_forces -> inspections (inspection_id));
diesel::joinable!(inspection_forces -> forces (force_id));
diesel::joinable!(items -> inspections (inspection_id));
diesel::joinable!(action_updates -> actions (action_id));

diesel::allow_tables_to_appear_in_same_query!(
    forces,
    policing_bodies,
    inspections,
    inspection_forces,
    items,
    force_responses,
    item_responses,
    actions,
    action_updates,
    pcc_responses,
    pcc_response_revisions,
    pcc_revision_answers,
    service_keys,
    audit_events,
    reminders,
    webhooks,
    webhook_deliveries,
);

diesel::allow_columns_to_appear_in_same_group_by_clause!(
    actions::force_id,
    actions::item_id,
    actions::status,
    items::inspection_id,
);
