INSERT INTO pets (id, name, kind) VALUES (1, 'Leo', 'cat');
INSERT INTO pets (id, name, kind) VALUES (2, 'Basil', 'hamster');
