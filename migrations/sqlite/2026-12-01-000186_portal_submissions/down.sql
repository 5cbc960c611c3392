DROP TABLE portal_submissions;
