-- Every staff member ever employed or in the reserve pool.
SELECT staff_id FROM dw.dim_staff;
