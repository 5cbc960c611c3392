DROP INDEX notification_jobs_receipt_lookup;
DROP TABLE delivery_receipts;
