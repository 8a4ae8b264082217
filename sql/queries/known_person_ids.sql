-- Which of the given ids are people of the population (events must refer to one).
SELECT person_id FROM dw.dim_person WHERE person_id = ANY(%s);
