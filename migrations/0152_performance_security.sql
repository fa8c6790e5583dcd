-- Performance security (履约保证金) recorded with the contract, at most 10 % of the contract price
-- (招标投标法实施条例 第五十八条; 政府采购法实施条例 第四十八条). Issue 20.
ALTER TABLE section_awards ADD COLUMN performance_security_fen BIGINT;
