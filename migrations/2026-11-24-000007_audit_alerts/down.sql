DROP TABLE audit_alert_reviews;
