-- Procedures as data (issue 21): which stages a procedure (招标/采购/交易方式) of a market has, in
-- order, each with its minimum period or count and the legal source. Read by
-- crates/projects/src/procedures.rs; documented in docs/procedures.md ("Procedures as data").
--
-- `stage` names come from one vocabulary (docs/procedures.md); a new procedure is new rows here
-- plus the stage logic it really needs. `period_days` (NULL: the stage has no minimum period) is
-- counted by ggzy_core::period from the event named by `period_from` (民法典 201/203);
-- `period_working` = 1 counts working days (工作日). `min_count` (NULL: none) is the minimum number
-- the stage needs (invitees, qualified applicants, bids, panel members).
CREATE TABLE procedure_stages (
    market TEXT NOT NULL,
    procedure TEXT NOT NULL,
    seq BIGINT NOT NULL,
    stage TEXT NOT NULL,
    period_days BIGINT,
    period_working BIGINT NOT NULL DEFAULT 0,
    period_from TEXT,
    min_count BIGINT,
    source TEXT NOT NULL,
    PRIMARY KEY (market, procedure, stage),
    CONSTRAINT procedure_stages_seq_key UNIQUE (market, procedure, seq)
);

-- Construction, open tender (公开招标).
INSERT INTO procedure_stages VALUES ('construction', 'open_tender', 10, 'announcement', NULL, 0, NULL, NULL, '招标投标法 第十六条; 招标投标法实施条例 第十五条');
INSERT INTO procedure_stages VALUES ('construction', 'open_tender', 20, 'registration', NULL, 0, NULL, NULL, '招标投标法 第二十八条 (closes at the bid deadline)');
INSERT INTO procedure_stages VALUES ('construction', 'open_tender', 30, 'tender_documents', 5, 0, 'docs_issue_at', NULL, '招标投标法实施条例 第十六条');
INSERT INTO procedure_stages VALUES ('construction', 'open_tender', 40, 'sealed_bids', 20, 0, 'docs_issue_at', NULL, '招标投标法 第二十四条');
INSERT INTO procedure_stages VALUES ('construction', 'open_tender', 50, 'opening', NULL, 0, NULL, 3, '招标投标法 第三十四条; 招标投标法实施条例 第四十四条');
INSERT INTO procedure_stages VALUES ('construction', 'open_tender', 60, 'evaluation', NULL, 0, NULL, 5, '招标投标法 第三十七条');
INSERT INTO procedure_stages VALUES ('construction', 'open_tender', 70, 'candidate_publicity', 3, 0, 'report_received', NULL, '招标投标法实施条例 第五十四条');
INSERT INTO procedure_stages VALUES ('construction', 'open_tender', 80, 'award', NULL, 0, NULL, NULL, '招标投标法 第四十五条');
INSERT INTO procedure_stages VALUES ('construction', 'open_tender', 90, 'contract', 30, 0, 'award', NULL, '招标投标法 第四十六条');

-- Construction, invited tender (邀请招标): invitation letters (投标邀请书) to ≥ 3 named
-- organizations instead of an announcement; only invitees register.
INSERT INTO procedure_stages VALUES ('construction', 'invited_tender', 10, 'invitation', NULL, 0, NULL, 3, '招标投标法 第十七条');
INSERT INTO procedure_stages VALUES ('construction', 'invited_tender', 20, 'registration', NULL, 0, NULL, NULL, '招标投标法 第十七条 (invitees only); 招标投标法 第二十八条');
INSERT INTO procedure_stages VALUES ('construction', 'invited_tender', 30, 'tender_documents', 5, 0, 'docs_issue_at', NULL, '招标投标法实施条例 第十六条');
INSERT INTO procedure_stages VALUES ('construction', 'invited_tender', 40, 'sealed_bids', 20, 0, 'docs_issue_at', NULL, '招标投标法 第二十四条');
INSERT INTO procedure_stages VALUES ('construction', 'invited_tender', 50, 'opening', NULL, 0, NULL, 3, '招标投标法 第三十四条; 招标投标法实施条例 第四十四条');
INSERT INTO procedure_stages VALUES ('construction', 'invited_tender', 60, 'evaluation', NULL, 0, NULL, 5, '招标投标法 第三十七条');
INSERT INTO procedure_stages VALUES ('construction', 'invited_tender', 70, 'candidate_publicity', 3, 0, 'report_received', NULL, '招标投标法实施条例 第五十四条');
INSERT INTO procedure_stages VALUES ('construction', 'invited_tender', 80, 'award', NULL, 0, NULL, NULL, '招标投标法 第四十五条');
INSERT INTO procedure_stages VALUES ('construction', 'invited_tender', 90, 'contract', 30, 0, 'award', NULL, '招标投标法 第四十六条');

-- Construction, open tender with prequalification (资格预审).
INSERT INTO procedure_stages VALUES ('construction', 'prequalified_tender', 10, 'announcement', NULL, 0, NULL, NULL, '招标投标法实施条例 第十五条 (资格预审公告)');
INSERT INTO procedure_stages VALUES ('construction', 'prequalified_tender', 12, 'prequalification_documents', 5, 0, 'prequalification_issue_at', NULL, '招标投标法实施条例 第十六条');
INSERT INTO procedure_stages VALUES ('construction', 'prequalified_tender', 14, 'prequalification_applications', 5, 0, 'prequalification_sale_end_at', NULL, '招标投标法实施条例 第十七条');
INSERT INTO procedure_stages VALUES ('construction', 'prequalified_tender', 16, 'prequalification_review', NULL, 0, NULL, 3, '招标投标法实施条例 第十八条、第十九条');
INSERT INTO procedure_stages VALUES ('construction', 'prequalified_tender', 20, 'registration', NULL, 0, NULL, NULL, '招标投标法实施条例 第十九条 (qualified applicants only)');
INSERT INTO procedure_stages VALUES ('construction', 'prequalified_tender', 30, 'tender_documents', 5, 0, 'docs_issue_at', NULL, '招标投标法实施条例 第十六条');
INSERT INTO procedure_stages VALUES ('construction', 'prequalified_tender', 40, 'sealed_bids', 20, 0, 'docs_issue_at', NULL, '招标投标法 第二十四条');
INSERT INTO procedure_stages VALUES ('construction', 'prequalified_tender', 50, 'opening', NULL, 0, NULL, 3, '招标投标法 第三十四条; 招标投标法实施条例 第四十四条');
INSERT INTO procedure_stages VALUES ('construction', 'prequalified_tender', 60, 'evaluation', NULL, 0, NULL, 5, '招标投标法 第三十七条');
INSERT INTO procedure_stages VALUES ('construction', 'prequalified_tender', 70, 'candidate_publicity', 3, 0, 'report_received', NULL, '招标投标法实施条例 第五十四条');
INSERT INTO procedure_stages VALUES ('construction', 'prequalified_tender', 80, 'award', NULL, 0, NULL, NULL, '招标投标法 第四十五条');
INSERT INTO procedure_stages VALUES ('construction', 'prequalified_tender', 90, 'contract', 30, 0, 'award', NULL, '招标投标法 第四十六条');

-- Procurement, open tender (公开招标): the purchaser confirms the winner (no candidate publicity).
INSERT INTO procedure_stages VALUES ('procurement', 'open_tender', 10, 'announcement', NULL, 0, NULL, NULL, '财政部令第87号 第十三条');
INSERT INTO procedure_stages VALUES ('procurement', 'open_tender', 20, 'registration', NULL, 0, NULL, NULL, '财政部令第87号 第十六条');
INSERT INTO procedure_stages VALUES ('procurement', 'open_tender', 30, 'tender_documents', 5, 1, 'docs_issue_at', NULL, '财政部令第87号 第十六条');
INSERT INTO procedure_stages VALUES ('procurement', 'open_tender', 40, 'sealed_bids', 20, 0, 'docs_issue_at', NULL, '政府采购法 第三十五条; 财政部令第87号 第十八条');
INSERT INTO procedure_stages VALUES ('procurement', 'open_tender', 50, 'opening', NULL, 0, NULL, 3, '财政部令第87号 第三十九条、第四十三条');
INSERT INTO procedure_stages VALUES ('procurement', 'open_tender', 60, 'evaluation', NULL, 0, NULL, 5, '财政部令第87号 第四十七条');
INSERT INTO procedure_stages VALUES ('procurement', 'open_tender', 80, 'award', 5, 1, 'report_received', NULL, '政府采购法实施条例 第四十三条');
INSERT INTO procedure_stages VALUES ('procurement', 'open_tender', 90, 'contract', 30, 0, 'award', NULL, '政府采购法 第四十六条');

-- Procurement, invited tender (邀请招标): ≥ 3 suppliers drawn at random from the qualified list
-- receive invitation letters (投标邀请书).
INSERT INTO procedure_stages VALUES ('procurement', 'invited_tender', 10, 'invitation', NULL, 0, NULL, 3, '政府采购法 第三十四条; 财政部令第87号 第十四条');
INSERT INTO procedure_stages VALUES ('procurement', 'invited_tender', 20, 'registration', NULL, 0, NULL, NULL, '财政部令第87号 第十四条 (invitees only)');
INSERT INTO procedure_stages VALUES ('procurement', 'invited_tender', 30, 'tender_documents', 5, 1, 'docs_issue_at', NULL, '财政部令第87号 第十六条');
INSERT INTO procedure_stages VALUES ('procurement', 'invited_tender', 40, 'sealed_bids', 20, 0, 'docs_issue_at', NULL, '政府采购法 第三十五条; 财政部令第87号 第十八条');
INSERT INTO procedure_stages VALUES ('procurement', 'invited_tender', 50, 'opening', NULL, 0, NULL, 3, '财政部令第87号 第三十九条、第四十三条');
INSERT INTO procedure_stages VALUES ('procurement', 'invited_tender', 60, 'evaluation', NULL, 0, NULL, 5, '财政部令第87号 第四十七条');
INSERT INTO procedure_stages VALUES ('procurement', 'invited_tender', 80, 'award', 5, 1, 'report_received', NULL, '政府采购法实施条例 第四十三条');
INSERT INTO procedure_stages VALUES ('procurement', 'invited_tender', 90, 'contract', 30, 0, 'award', NULL, '政府采购法 第四十六条');

-- Land and property tendered (招标出让 / 招投标) and listed (挂牌 / 拍卖 / 网络竞价).
INSERT INTO procedure_stages VALUES ('land', 'open_tender', 10, 'announcement', 20, 0, 'announcement', NULL, '国土资源部令第39号 第十条');
INSERT INTO procedure_stages VALUES ('land', 'open_tender', 20, 'registration', NULL, 0, NULL, NULL, '国土资源部令第39号 第十条');
INSERT INTO procedure_stages VALUES ('land', 'open_tender', 40, 'sealed_bids', 20, 0, 'docs_issue_at', NULL, '国土资源部令第39号 第十条');
INSERT INTO procedure_stages VALUES ('land', 'open_tender', 50, 'opening', NULL, 0, NULL, 3, '国土资源部令第39号 第十三条');
INSERT INTO procedure_stages VALUES ('land', 'open_tender', 60, 'evaluation', NULL, 0, NULL, 5, '国土资源部令第39号 第十四条');
INSERT INTO procedure_stages VALUES ('land', 'open_tender', 80, 'award', NULL, 0, NULL, NULL, '国土资源部令第39号 第十四条');
INSERT INTO procedure_stages VALUES ('land', 'open_tender', 90, 'contract', NULL, 0, NULL, NULL, '国土资源部令第39号 第二十条');
INSERT INTO procedure_stages VALUES ('land', 'listing', 10, 'announcement', 20, 0, 'announcement', NULL, '国土资源部令第39号 第十条');
INSERT INTO procedure_stages VALUES ('land', 'listing', 20, 'registration', NULL, 0, NULL, NULL, '国土资源部令第39号 第十条 (until the listing end)');
INSERT INTO procedure_stages VALUES ('land', 'listing', 40, 'listing', 10, 0, 'listing_start', NULL, '国土资源部令第39号 第十八条');
INSERT INTO procedure_stages VALUES ('land', 'listing', 80, 'deal', NULL, 0, NULL, NULL, '国土资源部令第39号 第二十条');
INSERT INTO procedure_stages VALUES ('property', 'open_tender', 10, 'announcement', 20, 1, 'announcement', NULL, '国资委 财政部令第32号 第十三条');
INSERT INTO procedure_stages VALUES ('property', 'open_tender', 20, 'registration', NULL, 0, NULL, NULL, '国资委 财政部令第32号 第十三条');
INSERT INTO procedure_stages VALUES ('property', 'open_tender', 40, 'sealed_bids', 20, 1, 'docs_issue_at', NULL, '国资委 财政部令第32号 第十三条');
INSERT INTO procedure_stages VALUES ('property', 'open_tender', 50, 'opening', NULL, 0, NULL, 3, '招标投标法 第三十四条');
INSERT INTO procedure_stages VALUES ('property', 'open_tender', 60, 'evaluation', NULL, 0, NULL, NULL, '国资委 财政部令第32号 第十八条');
INSERT INTO procedure_stages VALUES ('property', 'open_tender', 80, 'award', NULL, 0, NULL, NULL, '国资委 财政部令第32号 第十八条');
INSERT INTO procedure_stages VALUES ('property', 'open_tender', 90, 'contract', NULL, 0, NULL, NULL, '国资委 财政部令第32号 第二十条');
INSERT INTO procedure_stages VALUES ('property', 'listing', 10, 'announcement', 20, 1, 'announcement', NULL, '国资委 财政部令第32号 第十三条');
INSERT INTO procedure_stages VALUES ('property', 'listing', 20, 'registration', NULL, 0, NULL, NULL, '国资委 财政部令第32号 第十三条 (until the disclosure end)');
INSERT INTO procedure_stages VALUES ('property', 'listing', 40, 'listing', NULL, 0, NULL, NULL, '国资委 财政部令第32号 第十八条');
INSERT INTO procedure_stages VALUES ('property', 'listing', 80, 'deal', NULL, 0, NULL, NULL, '国资委 财政部令第32号 第十八条');

-- Registration rules of the new procedure (the same as the open tender's; migrations/0002).
INSERT INTO project_rules VALUES ('CN', 'construction', 'prequalified_tender', 20, 0, '招标投标法 第二十四条', 5, 0,
    '招标投标法实施条例 第十六条', 200, '招标投标法实施条例 第二十六条', 1, '招标投标法 第三十四条');
