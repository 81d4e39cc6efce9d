-- Only for an empty trail or one that used lane 0 alone: other lanes'
-- events would no longer verify as one chain.
DROP INDEX audit_events_lane_idx;
ALTER TABLE audit_events DROP COLUMN lane;
