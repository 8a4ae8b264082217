-- Wards with beds: what an admission may be placed in.
SELECT ward FROM dw.dim_ward WHERE kind = 'inpatient';
