-- Persons declared with a sealed bid (实施条例 40(2)(3)): the proposed project manager (项目经理) and the
-- authorized representative (授权委托人), as 18-character resident ids (GB 11643), checked at upload.
ALTER TABLE bids ADD COLUMN project_manager_id TEXT;
ALTER TABLE bids ADD COLUMN representative_id TEXT;
