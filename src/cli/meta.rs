//! Commands about pdc itself: `pdc rules`, `pdc completions`, `pdc man`.

use clap::CommandFactory;

use super::{
    ApiVersionArg, Cli, CompletionsArgs, KindArg, Outcome, RulesArgs, SchemaArgs, emit, fail,
};
use pdc::diagnostics::codes::{self, Code};

pub fn rules(args: &RulesArgs) -> Outcome {
    let Some(wanted) = &args.code else {
        let mut text = String::new();
        for code in Code::ALL {
            text.push_str(&format!(
                "{}  {:<34} {:<13} {:<7}  {}\n",
                code.id(),
                code.name(),
                code.category().as_str(),
                code.default_severity().as_str(),
                code.summary()
            ));
        }
        emit(&text);
        return Outcome::Clean;
    };
    match Code::find(wanted) {
        Some(code) => {
            emit(&codes::explain(code));
            Outcome::Clean
        }
        None => {
            let names: Vec<&str> = Code::ALL.iter().map(|c| c.name()).collect();
            let hint = pdc::diagnostics::suggest::did_you_mean(wanted, names.iter().copied())
                .map_or_else(String::new, |h| format!("; {h}"));
            fail(&format!(
                "no diagnostic code `{wanted}`{hint} (`pdc rules` lists them all)"
            ))
        }
    }
}

pub fn completions(args: &CompletionsArgs) -> Outcome {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut command, "pdc", &mut out);
    emit(&String::from_utf8_lossy(&out));
    Outcome::Clean
}

pub fn man() -> Outcome {
    let mut out = Vec::new();
    if let Err(e) = clap_mangen::Man::new(Cli::command()).render(&mut out) {
        return fail(&format!("cannot render the manual page: {e}"));
    }
    emit(&String::from_utf8_lossy(&out));
    Outcome::Clean
}

pub fn schema(args: &SchemaArgs) -> Outcome {
    use pdc::model::ApiVersion;
    use pdc::schema::{self, SchemaKind};
    let value = match args.api_version {
        None => schema::all()
            .into_iter()
            .find(|(name, _)| name == schema::COMBINED_FILE)
            .map(|(_, value)| value)
            .unwrap_or_default(),
        Some(version) => {
            let version = match version {
                ApiVersionArg::V1alpha3 => ApiVersion::V1alpha3,
                ApiVersionArg::V1alpha4 => ApiVersion::V1alpha4,
                ApiVersionArg::V1beta1 => ApiVersion::V1beta1,
            };
            let kind = match args.kind {
                Some(KindArg::PolicyDomainReference) => SchemaKind::PolicyDomainReference,
                _ => SchemaKind::PolicyDomain,
            };
            schema::schema(version, kind)
        }
    };
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    emit(&text);
    Outcome::Clean
}
