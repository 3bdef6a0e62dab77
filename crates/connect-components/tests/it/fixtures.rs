//! Bodies from the spec (`components.examples`, inline `example:`) and the official Postman
//! collection. The GoldStandard examples are cleaned of their YAML trailing-comma artifacts
//! (`"10023,"` → `"10023"`, `"false,"` → `false`); `EXPIRED_TOKEN_RAW` keeps them.

pub const CONFIGURATION_ID: &str = "605543e1-f507-48ad-8127-95c40566597b";
pub const PATH_CONFIGURATION_ID: &str = "9082affa-d965-40be-a3ed-a320bb3467ff";
pub const INSTITUTION_ID: i64 = 170716;
pub const CUSTOMER_ID: &str = "1005061234";
pub const INSTITUTION_LOGIN_ID: i64 = 7008461438;

/// Postman: Create Components Configuration 201 / Get Configuration Details 200.
pub const CONFIGURATION: &str = r#"{
  "id": "2eb3033c-9153-4c06-bd8c-2f1cc24774a1",
  "filterAccounts": [
    "Checking",
    "Savings"
  ]
}"#;

/// developer.mastercard.com example: the create answer with only `id`.
pub const CONFIGURATION_ID_ONLY: &str = r#"{"id": "7b0d390d-1b51-4f5e-8e7b-d68c866ea257"}"#;

/// Postman: Get All Configurations 200.
pub const CONFIGURATIONS: &str =
    r#"[{"filterAccounts": ["Checking","Savings"]}, {"filterAccounts": ["Checking","Savings"]}]"#;

/// Spec/Postman: LoginForms 201.
pub const LOGIN_FORM: &str = r#"{
  "id": "8d9d8f5e-2c5f-4f49-bf9b-276a7df0367f",
  "eventStreamId": "208a1170-875e-4656-85d0-27dfc3ee7137",
  "elements": [
    {
      "id": "26410b1f-0347-4d57-bb03-f44d00e785e2",
      "label": "username",
      "sortOrder": 0
    },
    {
      "id": "f2ce62c2-877f-4c26-9935-d1ab6084e6d0",
      "label": "password",
      "sortOrder": 1
    }
  ]
}"#;

/// Spec/Postman: GenerateOAuthUrl 201.
pub const OAUTH_URL: &str = r#"{
  "id": "8d9d8f5e-2c5f-4f49-bf9b-276a7df0367f",
  "url": "https://example.com",
  "eventStreamId": "208a1170-875e-4656-85d0-27dfc3ee7137"
}"#;

/// Postman: Initiate Reconnection 203 (generated filler values, `eventStreamId` mistyped).
pub const MFA_CHALLENGES_POSTMAN: &str = r#"[
  {
    "mfaChallenges": [
      {
        "id": "9082affa-d965-40be-a3ed-a320bb3467ff",
        "prompt": "Which high school did you attend",
        "mfaType": "TFA_TEXT",
        "choiceIds": [
          "9082affa-d965-40be-a3ed-a320bb3467ff",
          "9082affa-d965-40be-a3ed-a320bb3467ff"
        ],
        "eventStreamId": "amet fugiat"
      }
    ]
  },
  {
    "mfaChallenges": [
      {
        "id": "9082affa-d965-40be-a3ed-a320bb3467ff",
        "prompt": "Which high school did you attend",
        "mfaType": "TFA_TEXT",
        "choiceIds": [
          "9082affa-d965-40be-a3ed-a320bb3467ff",
          "9082affa-d965-40be-a3ed-a320bb3467ff"
        ],
        "eventStreamId": true
      }
    ]
  }
]"#;

/// Spec property examples assembled into a 203 body, with an unknown `mfaType` and nulls.
pub const MFA_CHALLENGES_SPEC: &str = r#"[{"mfaChallenges": [
  {"id": "9082affa-d965-40be-a3ed-a320bb3467ff", "mfaType": "TFA_CHOICE",
   "prompt": "Which high school did you attend",
   "choiceIds": ["9082affa-d965-40be-a3ed-a320bb3467ff"],
   "eventStreamId": "208a1170-875e-4656-85d0-27dfc3ee7137"},
  {"id": "26410b1f-0347-4d57-bb03-f44d00e785e2", "mfaType": "TFA_PUSH",
   "prompt": "Approve on your phone", "choiceIds": null, "eventStreamId": null, "extra": 1}
]}]"#;

/// GoldStandardInvalidField (400, and the DELETE 401), cleaned.
pub const INVALID_FIELD: &str = r#"{"Errors":{"Error":[{"Source":"Connect-Components","ReasonCode":"10010","Description":"All request parameters could not be validated. Ensure you are sending the correct data in your headers, query parameters, and request body.","Recoverable":false,"Details":"One or more of the fields could not be validated. Please ensure you have entered the correct data."}]}}"#;

/// GoldStandardExpiredToken (401), cleaned.
pub const EXPIRED_TOKEN: &str = r#"{"Errors":{"Error":[{"Source":"Connect-Components","ReasonCode":"10023","Description":"Expired (Finicity-App-Token)","Recoverable":false,"Details":"Expired (Finicity-App-Token)"}]}}"#;

/// GoldStandardExpiredToken exactly as the Postman collection renders the YAML artifacts.
pub const EXPIRED_TOKEN_RAW: &str = "{\n  \"Errors\": {\n    \"Error\": [\n      {\n        \"Source\": \"Connect-Components,\",\n        \"ReasonCode\": \"10023,\",\n        \"Description\": \"Expired (Finicity-App-Token),\",\n        \"Recoverable\": \"false,\",\n        \"Details\": \"Expired (Finicity-App-Token)\"\n      }\n    ]\n  }\n}";

/// GoldStandardMissingFinicityAppKey (401), cleaned.
pub const MISSING_APP_KEY: &str = r#"{"Errors":{"Error":[{"Source":"Connect-Components","ReasonCode":"10026","Description":"Missing parameter (Finicity-App-Key)","Recoverable":false,"Details":"Missing parameter (Finicity-App-Key)"}]}}"#;

/// GoldStandardResourceNotFound (404), cleaned.
pub const NOT_FOUND: &str = r#"{"Errors":{"Error":[{"Source":"Connect-Components","ReasonCode":"4041","Description":"The requested entity was not found","Recoverable":false,"Details":"The requested entity was not found"}]}}"#;
