-- Codes sent to one number in the last hour are counted (issue 11, SMS pumping).
CREATE INDEX one_time_codes_destination ON one_time_codes (destination, created_at);
