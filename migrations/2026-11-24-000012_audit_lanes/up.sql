-- The audit trail as a few parallel chains ("lanes") instead of one.
--
-- With one chain every writer in the database waited for the one before it
-- to commit (the chain lock is held until commit, so the head it reads is
-- the committed one): under load most connections queued on that lock. Now
-- a writer takes the first lane whose lock is free, so up to eight append
-- at once, each lane still one unforked chain in id order. A quiet trail
-- uses lane 0 alone. `cairn audit verify` walks every lane; a checkpoint
-- signs every lane's head.
--
-- The lane is not inside the hash: an event moved to another lane breaks
-- the link after it in its old lane and its own link in the new one.
ALTER TABLE audit_events
    ADD COLUMN lane smallint NOT NULL DEFAULT 0 CHECK (lane >= 0 AND lane < 8);

-- The head of each lane, read under its lock on every append.
CREATE INDEX audit_events_lane_idx ON audit_events (lane, id DESC);
