DROP TABLE IF EXISTS postal_letters;
