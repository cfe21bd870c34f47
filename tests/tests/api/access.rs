//! API keys carry a role (`name:secret:role`, a reader when none is given), and the role is
//! what the rules ask: contacts' personal data is shown to admin keys only.

use serde_json::{Value, json};

use crate::helpers::TestApp;

const READER: &str = "reader-secret-0123456789";
const ADMIN: &str = "admin-secret-0123456789";

async fn emails(app: &TestApp, key: Option<&str>) -> Value {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({
            "query": "{ projects(first: 20) { nodes { contacts { name email } } } }"
        }));
    if let Some(key) = key {
        request = request.header("x-api-key", key);
    }
    request
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json")
}

#[tokio::test]
async fn personal_data_is_shown_to_admin_keys_only() {
    let apps = TestApp::all_with(|settings| {
        settings.api_keys = vec![format!("dashboard:{READER}"), format!("ops:{ADMIN}:admin")];
    })
    .await;
    for app in apps {
        for key in [None, Some(READER)] {
            let response = emails(&app, key).await;
            let errors = response["errors"].as_array().cloned().unwrap_or_default();
            assert!(!errors.is_empty(), "[{}] {key:?}: {response}", app.backend);
            assert!(
                errors
                    .iter()
                    .all(|e| e["extensions"]["code"] == "FORBIDDEN")
            );
        }
        let response = emails(&app, Some(ADMIN)).await;
        assert!(
            response.get("errors").is_none(),
            "[{}] {response}",
            app.backend
        );
        let shown: Vec<&str> = response["data"]["projects"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .flat_map(|p| p["contacts"].as_array().into_iter().flatten())
            .filter_map(|c| c["email"].as_str())
            .collect();
        assert!(shown.contains(&"iic.kristine@gmail.com"), "{shown:?}");
    }
}
