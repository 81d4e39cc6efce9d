DROP TABLE amendments;
DROP FUNCTION amendments_move_forward();
