-- A run's pending deliveries in recipient order: the sender claims (or
-- pages through) its next batch after the previous one here, straight from
-- where it left off. (run_id, status) gave them in no order: the planner
-- either walked the primary key past every delivery already sent, so a
-- claim cost grew with the run's progress and a run with its length
-- squared, or sorted all the pending ones at every claim. The wider index
-- still counts a run's deliveries by status as the old one did.
DROP INDEX deliveries_by_status;
CREATE INDEX deliveries_by_status_recipient ON deliveries (run_id, status, recipient);
