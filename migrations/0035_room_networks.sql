-- Venues: the networks of a room's evaluation terminals (CIDR list, JSON array of strings, e.g.
-- ["10.20.0.0/24"]). The evaluation area refuses a committee member's requests from outside them
-- while the session's room has any (evaluation in a closed environment). Empty = not restricted.
ALTER TABLE venue_rooms ADD COLUMN networks TEXT NOT NULL DEFAULT '[]';
