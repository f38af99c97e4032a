-- A pupil's individual identification number (IIN), when the school gives it: it tells pupils
-- apart, so importing the same roster again does not register anyone twice. Optional, because
-- a school may not have it for a pupil yet; unique where given. Not carried in events.
ALTER TABLE pupils ADD COLUMN iin TEXT CHECK (iin ~ '^[0-9]{12}$');
CREATE UNIQUE INDEX pupils_by_iin ON pupils (iin) WHERE iin IS NOT NULL;
