--
-- PostgreSQL database dump
--


-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: artifact_files; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.artifact_files (
    ci_id character varying(850) NOT NULL,
    sha1 character varying(40) NOT NULL,
    filename character varying(1024) NOT NULL,
    size bigint NOT NULL
);


--
-- Name: audit; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit (
    seq integer NOT NULL,
    at character varying(32) NOT NULL,
    username character varying(255),
    action character varying(255) NOT NULL,
    method character varying(8) NOT NULL,
    path text NOT NULL,
    target text,
    address character varying(64),
    status integer NOT NULL,
    result character varying(16) NOT NULL,
    message text
);


--
-- Name: audit_seq_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.audit_seq_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: audit_seq_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.audit_seq_seq OWNED BY public.audit.seq;


--
-- Name: ci_history; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.ci_history (
    revision integer NOT NULL,
    ci_id character varying(850) NOT NULL,
    previous_id character varying(850),
    action character varying(16) NOT NULL,
    type character varying(255) NOT NULL,
    token character varying(64),
    properties text,
    changed_by character varying(255),
    changed_at character varying(32)
);


--
-- Name: ci_history_revision_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.ci_history_revision_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: ci_history_revision_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.ci_history_revision_seq OWNED BY public.ci_history.revision;


--
-- Name: ci_refs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.ci_refs (
    source_id character varying(850) NOT NULL,
    property character varying(255) NOT NULL,
    target_id character varying(850) NOT NULL
);


--
-- Name: cis; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.cis (
    id character varying(850) NOT NULL,
    type character varying(255) NOT NULL,
    parent_id character varying(850),
    name character varying(850) NOT NULL,
    token character varying(64) NOT NULL,
    created_by character varying(255),
    created_at character varying(32),
    modified_by character varying(255),
    modified_at character varying(32),
    properties text NOT NULL
);


--
-- Name: role_permissions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.role_permissions (
    role character varying(255) NOT NULL,
    permission character varying(64) NOT NULL,
    ci_id character varying(850) NOT NULL
);


--
-- Name: role_principals; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.role_principals (
    role character varying(255) NOT NULL,
    principal character varying(255) NOT NULL
);


--
-- Name: roles; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.roles (
    name character varying(255) NOT NULL
);


--
-- Name: task_logs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.task_logs (
    seq integer NOT NULL,
    task_id character varying(36) NOT NULL,
    path character varying(255) NOT NULL,
    text text NOT NULL
);


--
-- Name: task_logs_seq_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.task_logs_seq_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: task_logs_seq_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.task_logs_seq_seq OWNED BY public.task_logs.seq;


--
-- Name: task_progress; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.task_progress (
    task_id character varying(36) NOT NULL,
    path character varying(255) NOT NULL,
    state character varying(16) NOT NULL,
    started_at character varying(32),
    completed_at character varying(32),
    failure_count integer NOT NULL
);


--
-- Name: tasks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tasks (
    id character varying(36) NOT NULL,
    task_type character varying(32) NOT NULL,
    state character varying(16) NOT NULL,
    description text NOT NULL,
    owner character varying(255) NOT NULL,
    metadata text NOT NULL,
    block text NOT NULL,
    specification text NOT NULL,
    created_at character varying(32) NOT NULL,
    scheduled_at character varying(32),
    started_at character varying(32),
    completed_at character varying(32),
    failures integer NOT NULL,
    archived integer NOT NULL,
    archived_at character varying(32),
    commits text,
    rollback_of character varying(36),
    node character varying(1024)
);


--
-- Name: users; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.users (
    username character varying(255) NOT NULL,
    password_hash character varying(512) NOT NULL,
    admin integer NOT NULL
);


--
-- Name: audit seq; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit ALTER COLUMN seq SET DEFAULT nextval('public.audit_seq_seq'::regclass);


--
-- Name: ci_history revision; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ci_history ALTER COLUMN revision SET DEFAULT nextval('public.ci_history_revision_seq'::regclass);


--
-- Name: task_logs seq; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_logs ALTER COLUMN seq SET DEFAULT nextval('public.task_logs_seq_seq'::regclass);


--
-- Data for Name: artifact_files; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.artifact_files (ci_id, sha1, filename, size) FROM stdin;
Applications/old-app/2.0/config	709066320fb1d4cb548d1056b190765c9318d7a6	db.conf	25
\.


--
-- Data for Name: audit; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.audit (seq, at, username, action, method, path, target, address, status, result, message) FROM stdin;
1	2026-12-06T08:09:31.205+0000	admin	POST /repository/cis	POST	/deployit/repository/cis	Infrastructure/old-dir Infrastructure/old-dir/ssh Infrastructure/old-dir/local Environments/old-secrets Environments/old-settings Environments/old-env Applications/old-app Applications/old-app/1.0 Applications/old-app/1.0/hello Applications/old-app/2.0	127.0.0.1	200	OK	\N
2	2026-12-06T08:09:31.212+0000	admin	POST /repository/ci/{id}	POST	/deployit/repository/ci/Applications/old-app/2.0/config	Applications/old-app/2.0/config	127.0.0.1	200	OK	\N
3	2026-12-06T08:09:31.230+0000	admin	PUT /repository/ci/{id}	PUT	/deployit/repository/ci/Infrastructure/old-dir/ssh	Infrastructure/old-dir/ssh	127.0.0.1	200	OK	\N
4	2026-12-06T08:09:31.249+0000	admin	POST /repository/rename/{id}	POST	/deployit/repository/rename/Infrastructure/old-dir/ssh	Infrastructure/old-dir/ssh newName=ssh-renamed	127.0.0.1	200	OK	\N
5	2026-12-06T08:09:31.297+0000	admin	POST /deployment	POST	/deployit/deployment	Environments/old-env/old-app d5b2614a-2efe-4d88-85f7-0af8334bf4f9	127.0.0.1	200	OK	\N
6	2026-12-06T08:09:31.315+0000	admin	POST /tasks/v2/{id}/start	POST	/deployit/tasks/v2/d5b2614a-2efe-4d88-85f7-0af8334bf4f9/start	d5b2614a-2efe-4d88-85f7-0af8334bf4f9	127.0.0.1	204	OK	\N
7	2026-12-06T08:09:31.709+0000	admin	POST /tasks/v2/{id}/archive	POST	/deployit/tasks/v2/d5b2614a-2efe-4d88-85f7-0af8334bf4f9/archive	d5b2614a-2efe-4d88-85f7-0af8334bf4f9	127.0.0.1	204	OK	\N
8	2026-12-06T08:09:31.859+0000	admin	POST /security/user/{username}	POST	/deployit/security/user/olduser	olduser	127.0.0.1	200	OK	\N
9	2026-12-06T08:09:31.864+0000	admin	PUT /security/role/{role}	PUT	/deployit/security/role/deployers	deployers	127.0.0.1	204	OK	\N
10	2026-12-06T08:09:31.869+0000	admin	PUT /security/role/{role}/{principal}	PUT	/deployit/security/role/deployers/olduser	deployers olduser	127.0.0.1	204	OK	\N
11	2026-12-06T08:09:31.877+0000	admin	PUT /security/permission/{permission}/{role}	PUT	/deployit/security/permission/login/deployers	login deployers	127.0.0.1	204	OK	\N
12	2026-12-06T08:09:31.885+0000	admin	PUT /security/permission/{permission}/{role}/{id}	PUT	/deployit/security/permission/read/deployers/Environments	read deployers Environments	127.0.0.1	204	OK	\N
13	2026-12-06T08:09:31.897+0000	admin	PUT /security/permission/{permission}/{role}/{id}	PUT	/deployit/security/permission/read/deployers/Applications	read deployers Applications	127.0.0.1	204	OK	\N
14	2026-12-06T08:09:31.921+0000	admin	PUT /security/permission/{permission}/{role}/{id}	PUT	/deployit/security/permission/deploy#upgrade/deployers/Environments	deploy#upgrade deployers Environments	127.0.0.1	204	OK	\N
\.


--
-- Data for Name: ci_history; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.ci_history (revision, ci_id, previous_id, action, type, token, properties, changed_by, changed_at) FROM stdin;
1	Infrastructure/old-dir	\N	CREATE	core.Directory	7c7638c2-4da2-49a6-b6b8-72e40c7374ea	{}	admin	2026-12-06T08:09:31.182+0000
2	Infrastructure/old-dir/ssh	\N	CREATE	overthere.SshHost	42600107-a3c2-4631-8a91-6cb055e0213c	{"os": "UNIX", "address": "10.0.0.1", "username": "deployer", "password": "{b64}gAAAAABrFRg72HOEzvTB7OVoBP4LwurKYKeYvei_-tgso-zYj0bdaiIB7oI5_lL6BJtLU-iapMyH_c1HPFKsx-tRLtWIJpbTRg=="}	admin	2026-12-06T08:09:31.185+0000
3	Infrastructure/old-dir/local	\N	CREATE	overthere.LocalHost	1a3b77da-f80c-4a39-949c-79a799136e4c	{"os": "UNIX"}	admin	2026-12-06T08:09:31.187+0000
4	Environments/old-secrets	\N	CREATE	udm.EncryptedDictionary	480db578-2c25-4947-8d92-7a12e818058d	{"entries": {"DB_PASSWORD": "{b64}gAAAAABrFRg7bHiM9jcq7zTr8xbVyS1yn9co_A-IlQliXczKZlyC3FHgYh9aGXJxdWPdz2VdvzrDdUxxZU8MxAPZsQNZp7xPeg=="}}	admin	2026-12-06T08:09:31.189+0000
5	Environments/old-settings	\N	CREATE	udm.Dictionary	641cc9de-55f9-480f-9711-d4a33a8dabe4	{"entries": {"TARGET": "/nonexistent"}}	admin	2026-12-06T08:09:31.191+0000
6	Environments/old-env	\N	CREATE	udm.Environment	ed38e04c-791c-4152-8492-6f8b8f838282	{"members": ["Infrastructure/old-dir/local"], "dictionaries": ["Environments/old-secrets", "Environments/old-settings"]}	admin	2026-12-06T08:09:31.191+0000
7	Applications/old-app	\N	CREATE	udm.Application	eeb63860-59f0-42c8-bd50-d77bd9c5e333	{}	admin	2026-12-06T08:09:31.193+0000
8	Applications/old-app/1.0	\N	CREATE	udm.DeploymentPackage	b7477d99-d70b-47b9-b555-1ad9981c8cb6	{}	admin	2026-12-06T08:09:31.193+0000
9	Applications/old-app/1.0/hello	\N	CREATE	cmd.Command	33fea2b4-f192-4e71-ad17-0f4cf3d56f51	{"commandLine": "echo hello from 1.0"}	admin	2026-12-06T08:09:31.195+0000
10	Applications/old-app/2.0	\N	CREATE	udm.DeploymentPackage	5cd607ca-b1f9-420c-8a42-3dd93493a568	{}	admin	2026-12-06T08:09:31.195+0000
11	Applications/old-app/2.0/config	\N	CREATE	file.File	a51d60c9-01fb-4cba-8ae3-c0f660313cba	{"targetPath": "{{TARGET}}", "placeholders": ["DB_PASSWORD"], "checksum": "709066320fb1d4cb548d1056b190765c9318d7a6"}	admin	2026-12-06T08:09:31.211+0000
12	Infrastructure/old-dir/ssh	\N	UPDATE	overthere.SshHost	0822ff26-df79-430f-a987-9001eedd4315	{"os": "UNIX", "connectionTimeoutMillis": 1200000, "protocol": "ssh", "connectionType": "SFTP", "address": "10.0.0.2", "port": 22, "username": "deployer", "password": "{b64}gAAAAABrFRg72HOEzvTB7OVoBP4LwurKYKeYvei_-tgso-zYj0bdaiIB7oI5_lL6BJtLU-iapMyH_c1HPFKsx-tRLtWIJpbTRg==", "sudoCommandPrefix": "sudo -u {0}", "sudoPasswordPromptRegex": ".*[Pp]assword.*:", "suCommandPrefix": "su - {0} -c", "suPasswordPromptRegex": ".*[Pp]assword.*:", "allocateDefaultPty": false}	admin	2026-12-06T08:09:31.224+0000
13	Infrastructure/old-dir/ssh-renamed	Infrastructure/old-dir/ssh	RENAME	overthere.SshHost	9542e5b9-33ab-4596-a041-7ef7c5f21d90	{"os": "UNIX", "connectionTimeoutMillis": 1200000, "protocol": "ssh", "connectionType": "SFTP", "address": "10.0.0.2", "port": 22, "username": "deployer", "password": "{b64}gAAAAABrFRg72HOEzvTB7OVoBP4LwurKYKeYvei_-tgso-zYj0bdaiIB7oI5_lL6BJtLU-iapMyH_c1HPFKsx-tRLtWIJpbTRg==", "sudoCommandPrefix": "sudo -u {0}", "sudoPasswordPromptRegex": ".*[Pp]assword.*:", "suCommandPrefix": "su - {0} -c", "suPasswordPromptRegex": ".*[Pp]assword.*:", "allocateDefaultPty": false}	admin	2026-12-06T08:09:31.240+0000
14	Infrastructure/old-dir/local/hello	\N	CREATE	cmd.DeployedCommand	0408c4d8-12d3-4b13-aaee-7cfdd9adb2aa	{"deployable": "Applications/old-app/1.0/hello", "container": "Infrastructure/old-dir/local", "commandLine": "echo hello from 1.0", "order": 50, "undoOrder": 49, "runUndoCommandOnUpgrade": true}	admin	2026-12-06T08:09:31.506+0000
15	Environments/old-env/old-app	\N	CREATE	udm.DeployedApplication	b373fa11-8705-4c6f-bbb6-2ffa35bff73b	{"version": "Applications/old-app/1.0", "environment": "Environments/old-env", "deployeds": ["Infrastructure/old-dir/local/hello"], "optimizePlan": true, "undeployDependencies": false}	admin	2026-12-06T08:09:31.529+0000
16	Infrastructure/old-dir/local/hello	\N	UPDATE	cmd.DeployedCommand	46c44730-5826-4ba6-9767-53d85151f2cf	{"deployable": "Applications/old-app/1.0/hello", "container": "Infrastructure/old-dir/local", "commandLine": "echo hello from 1.0", "order": 50, "undoOrder": 49, "runUndoCommandOnUpgrade": true}	admin	2026-12-06T08:09:31.560+0000
17	Environments/old-env/old-app	\N	UPDATE	udm.DeployedApplication	7ee5df7f-e5d1-4f09-8726-bdec49859a97	{"version": "Applications/old-app/1.0", "environment": "Environments/old-env", "deployeds": ["Infrastructure/old-dir/local/hello"], "optimizePlan": true, "undeployDependencies": false}	admin	2026-12-06T08:09:31.579+0000
\.


--
-- Data for Name: ci_refs; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.ci_refs (source_id, property, target_id) FROM stdin;
Environments/old-env	members	Infrastructure/old-dir/local
Environments/old-env	dictionaries	Environments/old-secrets
Environments/old-env	dictionaries	Environments/old-settings
Infrastructure/old-dir/local/hello	deployable	Applications/old-app/1.0/hello
Infrastructure/old-dir/local/hello	container	Infrastructure/old-dir/local
Environments/old-env/old-app	version	Applications/old-app/1.0
Environments/old-env/old-app	environment	Environments/old-env
Environments/old-env/old-app	deployeds	Infrastructure/old-dir/local/hello
\.


--
-- Data for Name: cis; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.cis (id, type, parent_id, name, token, created_by, created_at, modified_by, modified_at, properties) FROM stdin;
Applications	internal.Root	\N	Applications	133ade68-c18b-4e92-9df6-dd124b0cc418	system	2026-12-06T08:09:30.692+0000	system	2026-12-06T08:09:30.692+0000	{}
Environments	internal.Root	\N	Environments	8e37857f-76d6-49af-abaa-becaadaff3a4	system	2026-12-06T08:09:30.697+0000	system	2026-12-06T08:09:30.697+0000	{}
Infrastructure	internal.Root	\N	Infrastructure	63337369-4333-4c2f-b87f-7b2240351845	system	2026-12-06T08:09:30.698+0000	system	2026-12-06T08:09:30.698+0000	{}
Configuration	internal.Root	\N	Configuration	431d253e-fbc4-40cd-a0e8-324c7abc207e	system	2026-12-06T08:09:30.700+0000	system	2026-12-06T08:09:30.700+0000	{}
Infrastructure/old-dir	core.Directory	Infrastructure	old-dir	7c7638c2-4da2-49a6-b6b8-72e40c7374ea	admin	2026-12-06T08:09:31.182+0000	admin	2026-12-06T08:09:31.182+0000	{}
Infrastructure/old-dir/local	overthere.LocalHost	Infrastructure/old-dir	local	1a3b77da-f80c-4a39-949c-79a799136e4c	admin	2026-12-06T08:09:31.187+0000	admin	2026-12-06T08:09:31.187+0000	{"os": "UNIX"}
Environments/old-secrets	udm.EncryptedDictionary	Environments	old-secrets	480db578-2c25-4947-8d92-7a12e818058d	admin	2026-12-06T08:09:31.189+0000	admin	2026-12-06T08:09:31.189+0000	{"entries": {"DB_PASSWORD": "{b64}gAAAAABrFRg7bHiM9jcq7zTr8xbVyS1yn9co_A-IlQliXczKZlyC3FHgYh9aGXJxdWPdz2VdvzrDdUxxZU8MxAPZsQNZp7xPeg=="}}
Environments/old-settings	udm.Dictionary	Environments	old-settings	641cc9de-55f9-480f-9711-d4a33a8dabe4	admin	2026-12-06T08:09:31.191+0000	admin	2026-12-06T08:09:31.191+0000	{"entries": {"TARGET": "/nonexistent"}}
Environments/old-env	udm.Environment	Environments	old-env	ed38e04c-791c-4152-8492-6f8b8f838282	admin	2026-12-06T08:09:31.191+0000	admin	2026-12-06T08:09:31.191+0000	{"members": ["Infrastructure/old-dir/local"], "dictionaries": ["Environments/old-secrets", "Environments/old-settings"]}
Applications/old-app	udm.Application	Applications	old-app	eeb63860-59f0-42c8-bd50-d77bd9c5e333	admin	2026-12-06T08:09:31.193+0000	admin	2026-12-06T08:09:31.193+0000	{}
Applications/old-app/1.0	udm.DeploymentPackage	Applications/old-app	1.0	b7477d99-d70b-47b9-b555-1ad9981c8cb6	admin	2026-12-06T08:09:31.193+0000	admin	2026-12-06T08:09:31.193+0000	{}
Applications/old-app/1.0/hello	cmd.Command	Applications/old-app/1.0	hello	33fea2b4-f192-4e71-ad17-0f4cf3d56f51	admin	2026-12-06T08:09:31.195+0000	admin	2026-12-06T08:09:31.195+0000	{"commandLine": "echo hello from 1.0"}
Applications/old-app/2.0	udm.DeploymentPackage	Applications/old-app	2.0	5cd607ca-b1f9-420c-8a42-3dd93493a568	admin	2026-12-06T08:09:31.195+0000	admin	2026-12-06T08:09:31.195+0000	{}
Applications/old-app/2.0/config	file.File	Applications/old-app/2.0	config	a51d60c9-01fb-4cba-8ae3-c0f660313cba	admin	2026-12-06T08:09:31.211+0000	admin	2026-12-06T08:09:31.211+0000	{"targetPath": "{{TARGET}}", "placeholders": ["DB_PASSWORD"], "checksum": "709066320fb1d4cb548d1056b190765c9318d7a6"}
Infrastructure/old-dir/ssh-renamed	overthere.SshHost	Infrastructure/old-dir	ssh-renamed	9542e5b9-33ab-4596-a041-7ef7c5f21d90	admin	2026-12-06T08:09:31.185+0000	admin	2026-12-06T08:09:31.240+0000	{"os": "UNIX", "connectionTimeoutMillis": 1200000, "protocol": "ssh", "connectionType": "SFTP", "address": "10.0.0.2", "port": 22, "username": "deployer", "password": "{b64}gAAAAABrFRg72HOEzvTB7OVoBP4LwurKYKeYvei_-tgso-zYj0bdaiIB7oI5_lL6BJtLU-iapMyH_c1HPFKsx-tRLtWIJpbTRg==", "sudoCommandPrefix": "sudo -u {0}", "sudoPasswordPromptRegex": ".*[Pp]assword.*:", "suCommandPrefix": "su - {0} -c", "suPasswordPromptRegex": ".*[Pp]assword.*:", "allocateDefaultPty": false}
Infrastructure/old-dir/local/hello	cmd.DeployedCommand	Infrastructure/old-dir/local	hello	46c44730-5826-4ba6-9767-53d85151f2cf	admin	2026-12-06T08:09:31.506+0000	admin	2026-12-06T08:09:31.560+0000	{"deployable": "Applications/old-app/1.0/hello", "container": "Infrastructure/old-dir/local", "commandLine": "echo hello from 1.0", "order": 50, "undoOrder": 49, "runUndoCommandOnUpgrade": true}
Environments/old-env/old-app	udm.DeployedApplication	Environments/old-env	old-app	7ee5df7f-e5d1-4f09-8726-bdec49859a97	admin	2026-12-06T08:09:31.529+0000	admin	2026-12-06T08:09:31.579+0000	{"version": "Applications/old-app/1.0", "environment": "Environments/old-env", "deployeds": ["Infrastructure/old-dir/local/hello"], "optimizePlan": true, "undeployDependencies": false}
\.


--
-- Data for Name: role_permissions; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.role_permissions (role, permission, ci_id) FROM stdin;
deployers	login	
deployers	read	Environments
deployers	read	Applications
deployers	deploy#upgrade	Environments
\.


--
-- Data for Name: role_principals; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.role_principals (role, principal) FROM stdin;
deployers	olduser
\.


--
-- Data for Name: roles; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.roles (name) FROM stdin;
deployers
\.


--
-- Data for Name: task_logs; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.task_logs (seq, task_id, path, text) FROM stdin;
1	d5b2614a-2efe-4d88-85f7-0af8334bf4f9	0_1_1_1	Executing command line : 'echo hello from 1.0'\nhello from 1.0\n
\.


--
-- Data for Name: task_progress; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.task_progress (task_id, path, state, started_at, completed_at, failure_count) FROM stdin;
d5b2614a-2efe-4d88-85f7-0af8334bf4f9	0_1_1_1	DONE	2026-12-06T08:09:31.324+0000	2026-12-06T08:09:31.542+0000	0
d5b2614a-2efe-4d88-85f7-0af8334bf4f9	0_1_1	DONE	2026-12-06T08:09:31.323+0000	2026-12-06T08:09:31.544+0000	0
d5b2614a-2efe-4d88-85f7-0af8334bf4f9	0_1	DONE	2026-12-06T08:09:31.322+0000	2026-12-06T08:09:31.548+0000	0
d5b2614a-2efe-4d88-85f7-0af8334bf4f9	0	DONE	2026-12-06T08:09:31.315+0000	2026-12-06T08:09:31.549+0000	0
\.


--
-- Data for Name: tasks; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.tasks (id, task_type, state, description, owner, metadata, block, specification, created_at, scheduled_at, started_at, completed_at, failures, archived, archived_at, commits, rollback_of, node) FROM stdin;
d5b2614a-2efe-4d88-85f7-0af8334bf4f9	INITIAL	DONE	Initial deployment of Environments/old-env/old-app	admin	{"application": "old-app", "version": "1.0", "environment": "old-env", "environment_id": "Environments/old-env", "application_id": "Applications/old-app", "version_id": "Applications/old-app/1.0", "deployedApplication": "Environments/old-env/old-app", "taskType": "INITIAL"}	{"id": "0", "description": "Deploy old-app 1.0 on old-env", "state": "PENDING", "type": "serial", "root": true, "blocks": [{"id": "0_1", "description": "Deploy", "state": "PENDING", "type": "serial", "root": false, "phase": true, "blocks": [{"id": "0_1_1", "description": "Deploy old-app 1.0 on old-env", "state": "PENDING", "type": "steps", "current": 0, "steps": [{"description": "Execute hello on local", "state": "PENDING", "startDate": null, "completionDate": null, "failureCount": 0, "log": "", "metadata": {"order": "50", "previewAvailable": false, "rule": "cmd.DeployedCommand.executeCreate_CREATE", "deployed": "Infrastructure/old-dir/local/hello", "operation": "CREATE"}, "type": "command", "order": 50, "parameters": {"command-line": "echo hello from 1.0", "dependencies": [], "target-host": {"ref": "Infrastructure/old-dir/local", "type": "overthere.LocalHost", "from": "repository"}}, "checkpoint": {"delta": 0, "deployed": "Infrastructure/old-dir/local/hello", "operation": "CREATE"}}]}]}]}	{"deployment": "deployment-eedc1d9b-3a69-413a-aaff-e65bbbc8cc3e", "type": "INITIAL", "deployedApplication": {"id": "Environments/old-env/old-app", "type": "udm.DeployedApplication", "version": "Applications/old-app/1.0", "environment": "Environments/old-env", "deployeds": ["Infrastructure/old-dir/local/hello"], "orchestrator": [], "optimizePlan": true, "undeployDependencies": false, "boundConfigurationItems": []}, "previousDeployedApplication": null, "deltas": [{"operation": "CREATE", "deployed": {"id": "Infrastructure/old-dir/local/hello", "type": "cmd.DeployedCommand", "deployable": "Applications/old-app/1.0/hello", "container": "Infrastructure/old-dir/local", "commandLine": "echo hello from 1.0", "order": 50, "dependencies": [], "undoCommandLine": null, "undoOrder": 49, "undoDependencies": [], "undoCommand": null, "runUndoCommandOnUpgrade": true}, "previous": null}]}	2026-12-06T08:09:31.293+0000	\N	2026-12-06T08:09:31.311+0000	2026-12-06T08:09:31.588+0000	0	1	2026-12-06T08:09:31.708+0000	{"applied": [[0, "CREATE"]], "final": true}	\N	vm:/tmp/tmpruwk08v9/pg-home
\.


--
-- Data for Name: users; Type: TABLE DATA; Schema: public; Owner: -
--

COPY public.users (username, password_hash, admin) FROM stdin;
admin	scrypt$16384$8$1$oz/x3lSW8kmenSP952+AqA==$gyftOG9TMVytFcYKvKYGHs+HtzxgtIysEMMuvenObTw=	1
olduser	scrypt$16384$8$1$c3Gi7+uIdcrdiqhlfQYkHg==$ic7gRZ7ipXxH2s2bMYoZlkcLZouTMMLH2t1Mqv1J7Ko=	0
\.


--
-- Name: audit_seq_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.audit_seq_seq', 14, true);


--
-- Name: ci_history_revision_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.ci_history_revision_seq', 17, true);


--
-- Name: task_logs_seq_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.task_logs_seq_seq', 1, true);


--
-- Name: artifact_files artifact_files_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.artifact_files
    ADD CONSTRAINT artifact_files_pkey PRIMARY KEY (ci_id);


--
-- Name: audit audit_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit
    ADD CONSTRAINT audit_pkey PRIMARY KEY (seq);


--
-- Name: ci_history ci_history_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ci_history
    ADD CONSTRAINT ci_history_pkey PRIMARY KEY (revision);


--
-- Name: cis cis_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cis
    ADD CONSTRAINT cis_pkey PRIMARY KEY (id);


--
-- Name: role_permissions role_permissions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.role_permissions
    ADD CONSTRAINT role_permissions_pkey PRIMARY KEY (role, permission, ci_id);


--
-- Name: role_principals role_principals_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.role_principals
    ADD CONSTRAINT role_principals_pkey PRIMARY KEY (role, principal);


--
-- Name: roles roles_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.roles
    ADD CONSTRAINT roles_pkey PRIMARY KEY (name);


--
-- Name: task_logs task_logs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_logs
    ADD CONSTRAINT task_logs_pkey PRIMARY KEY (seq);


--
-- Name: task_progress task_progress_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_progress
    ADD CONSTRAINT task_progress_pkey PRIMARY KEY (task_id, path);


--
-- Name: tasks tasks_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tasks
    ADD CONSTRAINT tasks_pkey PRIMARY KEY (id);


--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (username);


--
-- Name: ix_artifact_files_sha1; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_artifact_files_sha1 ON public.artifact_files USING btree (sha1);


--
-- Name: ix_audit_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_audit_at ON public.audit USING btree (at);


--
-- Name: ix_audit_username; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_audit_username ON public.audit USING btree (username);


--
-- Name: ix_ci_history_ci_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_ci_history_ci_id ON public.ci_history USING btree (ci_id);


--
-- Name: ix_ci_refs_source_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_ci_refs_source_id ON public.ci_refs USING btree (source_id);


--
-- Name: ix_ci_refs_target_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_ci_refs_target_id ON public.ci_refs USING btree (target_id);


--
-- Name: ix_cis_modified_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_cis_modified_at ON public.cis USING btree (modified_at);


--
-- Name: ix_cis_name; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_cis_name ON public.cis USING btree (name);


--
-- Name: ix_cis_parent_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_cis_parent_id ON public.cis USING btree (parent_id);


--
-- Name: ix_cis_parent_name; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_cis_parent_name ON public.cis USING btree (parent_id, name);


--
-- Name: ix_cis_type; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_cis_type ON public.cis USING btree (type);


--
-- Name: ix_role_permissions_ci; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_role_permissions_ci ON public.role_permissions USING btree (ci_id);


--
-- Name: ix_task_logs_step; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_task_logs_step ON public.task_logs USING btree (task_id, path);


--
-- Name: ix_tasks_archived; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_tasks_archived ON public.tasks USING btree (archived);


--
-- Name: ix_tasks_owner; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_tasks_owner ON public.tasks USING btree (owner);


--
-- Name: ix_tasks_state; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_tasks_state ON public.tasks USING btree (state);


--
-- PostgreSQL database dump complete
--


