-- Homework deadlines follow edits and withdrawals (HomeworkChanged, HomeworkWithdrawn, issue 11):
-- each row keeps the homework's version it shows, so an older event arriving late changes
-- nothing; a withdrawn homework's row stays as a tombstone and is not shown.
ALTER TABLE homework_deadlines
    ADD COLUMN version   BIGINT  NOT NULL DEFAULT 1,
    ADD COLUMN withdrawn BOOLEAN NOT NULL DEFAULT false;
