DROP TABLE alert_deliveries;
DROP TABLE alert_watch_gaps;
DROP TABLE alert_watch;
DROP TABLE alert_episodes;
