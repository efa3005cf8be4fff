using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation.Language;
using AzureCompliance.Core.Configuration;
using AzureCompliance.Core.Diagnostics;

namespace AzureCompliance.Cmdlets.Configuration
{
    /// <summary>
    /// Reads a configuration file (PowerShell data file syntax) with PowerShell's parser, without running it: only
    /// literal values are accepted (texts, numbers, $true, $false, $null, @{ } and @( )), each kept with its line.
    /// </summary>
    internal static class ConfigurationFile
    {
        public static ComplianceConfiguration Read(string path)
        {
            var name = Path.GetFileName(path);
            if (!File.Exists(path))
            {
                throw new ComplianceException("ConfigurationFileNotFound", ComplianceErrorCategory.ObjectNotFound,
                    $"The configuration file {path} does not exist.", path, "Check the path, or write one with Export-ComplianceConfiguration -Path " + path + ".");
            }
            var ast = Parser.ParseFile(path, out _, out var errors);
            if (errors.Length > 0)
            {
                var first = errors[0];
                throw ConfigurationReader.Invalid(name, first.Extent.StartLineNumber, first.Message, "Fix the syntax; the file is a PowerShell data file (@{ Name = value }).");
            }
            var statements = ast.EndBlock?.Statements ?? new System.Collections.ObjectModel.ReadOnlyCollection<StatementAst>(new List<StatementAst>());
            if (statements.Count != 1 || !(statements[0] is PipelineAst pipeline) || !(pipeline.GetPureExpression() is HashtableAst table) ||
                ast.BeginBlock != null || ast.ProcessBlock != null || ast.ParamBlock != null)
            {
                throw ConfigurationReader.Invalid(name, statements.Count > 0 ? statements[0].Extent.StartLineNumber : 1,
                    "The file must hold one table: @{ SchemaVersion = 1; Partner = @{ ... }; ... }.", "Start from a file that Export-ComplianceConfiguration wrote.");
            }
            return ConfigurationReader.Read(Convert(table, name), name);
        }

        private static ConfigurationNode Convert(Ast ast, string file)
        {
            var line = ast.Extent.StartLineNumber;
            switch (ast)
            {
                case HashtableAst table:
                    var entries = new List<KeyValuePair<string, ConfigurationNode>>();
                    foreach (var pair in table.KeyValuePairs)
                    {
                        var key = pair.Item1 is StringConstantExpressionAst text ? text.Value
                            : pair.Item1 is ConstantExpressionAst constant ? System.Convert.ToString(constant.Value, System.Globalization.CultureInfo.InvariantCulture)
                            : throw Literal(pair.Item1, file);
                        entries.Add(new KeyValuePair<string, ConfigurationNode>(key!, Convert(Statement(pair.Item2, file), file)));
                    }
                    return new ConfigurationTable(entries, line);
                case ArrayExpressionAst array:
                    var items = new List<ConfigurationNode>();
                    foreach (var statement in array.SubExpression.Statements)
                    {
                        var expression = Statement(statement, file);
                        if (expression is ArrayLiteralAst literal) items.AddRange(literal.Elements.Select(e => Convert(e, file)));
                        else items.Add(Convert(expression, file));
                    }
                    return new ConfigurationList(items, line);
                case ArrayLiteralAst literalList:
                    return new ConfigurationList(literalList.Elements.Select(e => Convert(e, file)), line);
                case StringConstantExpressionAst text:
                    return new ConfigurationScalar(text.Value, line);
                case ConstantExpressionAst constant:
                    return new ConfigurationScalar(constant.Value, line);
                case VariableExpressionAst variable when variable.VariablePath.UserPath.Equals("true", StringComparison.OrdinalIgnoreCase):
                    return new ConfigurationScalar(true, line);
                case VariableExpressionAst variable when variable.VariablePath.UserPath.Equals("false", StringComparison.OrdinalIgnoreCase):
                    return new ConfigurationScalar(false, line);
                case VariableExpressionAst variable when variable.VariablePath.UserPath.Equals("null", StringComparison.OrdinalIgnoreCase):
                    return new ConfigurationScalar(null, line);
                default:
                    throw Literal(ast, file);
            }
        }

        private static ExpressionAst Statement(StatementAst statement, string file) =>
            statement is PipelineAst pipeline && pipeline.GetPureExpression() is ExpressionAst expression ? expression : throw Literal(statement, file);

        private static ComplianceException Literal(Ast ast, string file) =>
            ConfigurationReader.Invalid(file, ast.Extent.StartLineNumber,
                $"'{ast.Extent.Text}' is not a literal value. A configuration file holds only texts, numbers, $true, $false, $null, @{{ }} and @( ): it is read, never run.");
    }
}
